"""The webhook server out of file descriptors: it pauses accepting, says so once, and serves
again when descriptors are free (tornado's accept loop logged a traceback per attempt)."""

from __future__ import annotations

import asyncio
import sys
import textwrap

SERVER = textwrap.dedent(
    """
    import asyncio, logging, resource, sys
    import tornado.web
    from tornado.httpserver import HTTPServer
    from bot.telegram import webhook_server

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    class Hook(tornado.web.RequestHandler):
        def post(self):
            self.write("ok")

    async def main():
        webhook_server.install("/hook", "s" * 20)
        server = HTTPServer(tornado.web.Application([(r"/hook", Hook)]))
        assert isinstance(server, webhook_server.GuardedServer)
        server.max_connections = 10_000  # so that descriptors, not the cap, run out
        server.listen(0, address="127.0.0.1")
        [sock] = server._listening
        port = sock[0].getsockname()[1]
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))
        print(port, flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())
    """
)


async def post(port: int) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST /hook HTTP/1.1\r\nHost: x\r\nX-Telegram-Bot-Api-Secret-Token: "
        + b"s" * 20
        + b"\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
    )
    answer = await asyncio.wait_for(reader.read(), timeout=30)
    writer.close()
    return answer


async def test_out_of_descriptors_the_server_pauses_says_so_once_and_recovers() -> None:
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SERVER,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    idle = []
    try:
        assert server.stdout is not None
        port = int(await asyncio.wait_for(server.stdout.readline(), timeout=60))
        assert b"200 OK" in await post(port)
        # 200 idle connections against a limit of 64 open files: accepting fails.
        for _ in range(200):
            idle.append(await asyncio.open_connection("127.0.0.1", port))
        await asyncio.sleep(3)
        for _, writer in idle:
            writer.close()
        idle.clear()
        await asyncio.sleep(12)  # the idle ones time out; the queued ones are accepted
        answer = await post(port)
    finally:
        for _, writer in idle:
            writer.close()
        server.terminate()
        _, errors = await server.communicate()
    log = errors.decode(errors="replace")
    print(log[-2000:])
    assert b"200 OK" in answer
    assert "Traceback" not in log
    pauses = [line for line in log.splitlines() if "cannot accept connections" in line]
    assert 1 <= len(pauses) <= 2, log[-3000:]
