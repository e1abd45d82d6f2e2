"""The Telegram side: the application, its handlers and jobs; the only importer of `telegram`."""
