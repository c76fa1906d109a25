"""Fixtures for the data tests: an isolated data search path and a local HTTP server."""
import functools
import http.server
import threading

import pytest

from minigrad.data import download


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No real data is found: $MINIGRAD_DATA, ~ and the system folder all point into tmp_path."""
    monkeypatch.setenv('MINIGRAD_DATA', str(tmp_path / 'env'))
    monkeypatch.setenv('HOME', str(tmp_path / 'home'))
    monkeypatch.setattr(download, 'SYSTEM_DATA_DIR', str(tmp_path / 'system'))
    return tmp_path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def http_root(tmp_path):
    """``(folder, base_url)``: files written under folder are served at base_url on 127.0.0.1."""
    folder = tmp_path / 'www'
    folder.mkdir()
    server = http.server.ThreadingHTTPServer(
        ('127.0.0.1', 0), functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)
    thread.start()
    try:
        yield folder, f'http://127.0.0.1:{server.server_address[1]}/'
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
