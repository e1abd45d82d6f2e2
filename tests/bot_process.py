"""`python -m bot run` as a process of its own, the one way the tests start it: its log in a
file (a pipe nobody reads fills up and stalls the bot after a dozen replies at DEBUG)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path


class BotProcess:
    """A running `python -m bot run`: its pid, its log so far, and how it ends."""

    def __init__(self, process: asyncio.subprocess.Process, log_path: Path) -> None:
        self.process = process
        self.log_path = log_path

    @property
    def pid(self) -> int:
        """The process id (the one the bot writes in its leader lease)."""
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        """The exit code, or None while it runs."""
        return self.process.returncode

    @property
    def exited(self) -> bool:
        """Whether the process has exited (and been waited for)."""
        return self.process.returncode is not None

    def log(self) -> str:
        """Everything the bot wrote so far, stdout and stderr together."""
        return self.log_path.read_text(errors="replace")

    async def logged(self, text: str, within: float = 60) -> str:
        """Once `text` is in the log, the log; fails if the bot exits or `within` s pass first."""
        try:
            async with asyncio.timeout(within):
                while text not in (log := self.log()):
                    assert not self.exited, f"exited {self.returncode} first:\n{log}"
                    await asyncio.sleep(0.05)
        except TimeoutError:
            raise AssertionError(f"{text!r} never logged:\n{self.log()}") from None
        return log

    async def wait(self, within: float = 60) -> tuple[int, str]:
        """For a bot expected to exit by itself: its exit code and log (killed, failing, if
        still running after `within` s)."""
        try:
            code = await asyncio.wait_for(self.process.wait(), timeout=within)
        except TimeoutError:
            await self.kill()
            raise AssertionError(f"still running after {within} s:\n{self.log()}") from None
        return code, self.log()

    async def stop(self, within: float = 30) -> tuple[int, str]:
        """SIGTERM (if still running), then the exit code and the log; killed (-9) when it
        has not exited after `within` s, so a shutdown that hangs fails as a code."""
        if not self.exited:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(self.process.wait(), timeout=within)
        except TimeoutError:
            code = await self.kill()
        return code, self.log()

    async def kill(self) -> int:
        """SIGKILL (if still running): the bot gets no chance to clean up. Its exit code."""
        if not self.exited:
            self.process.kill()
        return await self.process.wait()


def environment(env: Mapping[str, str] | None) -> dict[str, str]:
    """`env` as the whole environment (None: this one), with coverage's variables kept so
    the child is measured too (coverage's `patch = subprocess` sets them here)."""
    if env is None:
        return dict(os.environ)
    kept = {name: value for name, value in os.environ.items() if name.startswith("COVERAGE_")}
    return kept | dict(env)


async def start_bot(
    env: Mapping[str, str] | None,
    cwd: Path,
    *args: str,
    log: Path | None = None,
    preexec_fn: Callable[[], object] | None = None,
) -> BotProcess:
    """`python -m bot run *args` in `cwd` with `env` as its whole environment (None: this
    process's), logging to `log` (a new file in `cwd` if none)."""
    if log is None:
        out, name = tempfile.mkstemp(prefix="bot-", suffix=".log", dir=cwd)
        log = Path(name)
    else:
        out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", *args,
            env=environment(env), cwd=cwd, stdout=out, stderr=asyncio.subprocess.STDOUT,
            preexec_fn=preexec_fn,
        )  # fmt: skip
    finally:
        os.close(out)  # the child has its own copy
    return BotProcess(process, log)
