"""The model manifest, the completeness check and the download, against a loopback HTTP server on port 0.

The server serves a small zip built here, shaped like a Vosk model, with a matching temporary manifest. Every failure
must leave neither an installed folder nor temporary litter behind.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import random
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from models import (MANIFEST_PATH, RECORD_FILE, ModelError, ModelSpec, check_model, installed_vosk_model,
                    load_manifest, model_problem, models_dir, survey)
from models.download import DownloadError, ProgressBar, download_model

FOLDER = "tiny-vosk-en-us"
FILES = {
    "am/final.mdl": b"acoustic model " * 300,
    "conf/mfcc.conf": b"--use-energy=false\n",
    "conf/model.conf": b"--beam=10.0\n",
    "graph/HCLr.fst": b"hclr " * 500,
    "graph/Gr.fst": b"gr " * 500,
    "graph/phones/word_boundary.int": b"1 nonword\n",
    "README": b"a model-shaped archive for the download tests\n",
}


def build_zip(folder: str = FOLDER, files: dict[str, bytes] = FILES, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in files.items():
            bundle.writestr(f"{folder}/{name}", data)
        for name, data in (extra or {}).items():
            bundle.writestr(name, data)
    return buffer.getvalue()


ARCHIVE = build_zip()


class Server:
    """A loopback HTTP server; each path serves (body, how): "whole", "truncated" (promises all, sends half), or
    "unsized" (no Content-Length)."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[bytes, str]] = {}
        routes = self.routes

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                if self.path not in routes:
                    self.send_error(404)
                    return
                body, how = routes[self.path]
                self.send_response(200)
                self.send_header("Content-Type", "application/zip")
                if how != "unsized":
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[:len(body) // 2] if how == "truncated" else body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                       name="model-server")
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server()
    try:
        yield running
    finally:
        running.close()


def spec_for(url: str, data: bytes = ARCHIVE, **changes: object) -> ModelSpec:
    fields: dict[str, object] = dict(name=FOLDER, url=url, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                                     language="en-us", kind="vosk", folder=FOLDER)
    fields.update(changes)
    return ModelSpec(**fields)  # type: ignore[arg-type]


def serve(server: Server, data: bytes = ARCHIVE, how: str = "whole", path: str = "/tiny.zip") -> str:
    server.routes[path] = (data, how)
    return server.url(path)


def entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# ---- downloading ----

def test_download_checks_unpacks_and_records(server: Server, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    path = download_model(spec_for(serve(server)), tmp_path, lambda got, total: seen.append((got, total)))
    assert path == tmp_path / FOLDER and entries(tmp_path) == [FOLDER]
    for name, data in FILES.items():
        assert (path / name).read_bytes() == data
    record = json.loads((path / RECORD_FILE).read_text())
    assert record["sha256"] == hashlib.sha256(ARCHIVE).hexdigest() and set(record["files"]) == set(FILES)
    assert model_problem(path) is None
    assert seen[0] == (0, len(ARCHIVE)) and seen[-1] == (len(ARCHIVE), len(ARCHIVE))
    assert installed_vosk_model("en", tmp_path, [spec_for("unused")]) == path


def test_a_complete_install_is_not_downloaded_again(server: Server, tmp_path: Path) -> None:
    url = serve(server)
    download_model(spec_for(url), tmp_path)
    server.routes.clear()  # a second download would now fail with 404
    assert download_model(spec_for(url), tmp_path) == tmp_path / FOLDER


@pytest.mark.parametrize("how, changes, says", [
    ("whole", {"sha256": "0" * 64}, "SHA-256"),
    ("whole", {"size": len(ARCHIVE) + 1}, f"offers {len(ARCHIVE):,} bytes"),
    ("unsized", {"size": len(ARCHIVE) + 1}, f"stopped at {len(ARCHIVE):,} of {len(ARCHIVE) + 1:,} bytes"),
    ("unsized", {"size": len(ARCHIVE) - 1}, "sent more than"),
    ("truncated", {}, "run the command again"),
])
def test_a_bad_download_installs_nothing_and_leaves_no_litter(server: Server, tmp_path: Path, how: str,
                                                              changes: dict[str, object], says: str) -> None:
    with pytest.raises(DownloadError, match=says) as caught:
        download_model(spec_for(serve(server, how=how), **changes), tmp_path)
    assert "\n" not in str(caught.value)
    assert entries(tmp_path) == []


def test_server_down_says_check_the_network(tmp_path: Path) -> None:
    down = Server()
    url = serve(down)
    down.close()  # nothing listens on the port now: connection refused
    with pytest.raises(DownloadError) as caught:
        download_model(spec_for(url), tmp_path)
    assert str(caught.value) == f"cannot reach 127.0.0.1:{down.port}; check the network"
    assert entries(tmp_path) == []


def test_http_error_names_the_status(server: Server, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="answered 404"):
        download_model(spec_for(server.url("/moved.zip")), tmp_path)
    assert entries(tmp_path) == []


def test_ctrl_c_leaves_nothing_and_the_next_run_works(server: Server, tmp_path: Path) -> None:
    data = build_zip(extra={f"{FOLDER}/am/big.bin": random.Random(0).randbytes(400_000)})  # several blocks long
    spec = spec_for(serve(server, data), data)

    def interrupt(received: int, total: int) -> None:
        if 0 < received < total:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        download_model(spec, tmp_path, interrupt)
    assert entries(tmp_path) == []
    assert download_model(spec, tmp_path) == tmp_path / FOLDER
    assert entries(tmp_path) == [FOLDER]


def test_leftovers_of_a_killed_run_are_removed(server: Server, tmp_path: Path) -> None:
    (tmp_path / f".download-{FOLDER}-x1.zip.part").write_bytes(b"half")
    (tmp_path / f".download-{FOLDER}-x2").mkdir()
    (tmp_path / f".download-{FOLDER}-x2" / FOLDER).mkdir()
    assert installed_vosk_model("en", tmp_path, [spec_for("unused")]) is None
    download_model(spec_for(serve(server)), tmp_path)
    assert entries(tmp_path) == [FOLDER]


def test_a_broken_install_is_detected_and_replaced(server: Server, tmp_path: Path) -> None:
    spec = spec_for(serve(server))
    path = download_model(spec, tmp_path)
    (path / "graph" / "Gr.fst").unlink()
    assert model_problem(path) == "missing graph/Gr.fst"
    assert installed_vosk_model("en", tmp_path, [spec]) is None
    with pytest.raises(ModelError) as caught:
        check_model(path, [spec])
    assert str(caught.value) == (f"the Vosk model in {path} is incomplete (missing graph/Gr.fst); "
                                 f"reinstall it with: python run.py models download {FOLDER}")
    (path / "am" / "final.mdl").write_bytes(b"cut short")
    assert model_problem(path) is not None and "final.mdl" in model_problem(path)  # type: ignore[operator]
    download_model(spec, tmp_path)
    assert model_problem(path) is None and entries(tmp_path) == [FOLDER]


@pytest.mark.parametrize("data, says", [
    (build_zip(folder="another-folder"), "not the folder"),
    (build_zip(extra={"../escape.txt": b"x"}), "unsafe path"),
    (build_zip(files={k: v for k, v in FILES.items() if k != "conf/mfcc.conf"}), "missing conf/mfcc.conf"),
    (b"not a zip at all", "not a zip archive"),
])
def test_a_wrong_archive_installs_nothing(server: Server, tmp_path: Path, data: bytes, says: str) -> None:
    with pytest.raises(DownloadError, match=says):
        download_model(spec_for(serve(server, data), data), tmp_path / "models")
    assert entries(tmp_path / "models") == [] and entries(tmp_path) == ["models"]


# ---- the check and the lookup, for folders put in by hand ----

def make_model(folder: Path, files: dict[str, bytes] = FILES) -> Path:
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def test_model_problem_names_the_missing_file(tmp_path: Path) -> None:
    assert model_problem(tmp_path / "absent") == "not installed"
    assert model_problem(make_model(tmp_path / "a")) is None
    assert model_problem(make_model(tmp_path / "b", {k: v for k, v in FILES.items() if k != "am/final.mdl"})) \
        == "missing am/final.mdl"
    assert model_problem(make_model(tmp_path / "c", {**FILES, "conf/model.conf": b""})) == "conf/model.conf is empty"
    static = {k: v for k, v in FILES.items() if not k.startswith("graph/")}
    assert model_problem(make_model(tmp_path / "d", {**static, "graph/HCLG.fst": b"x"})) is None
    assert "graph/HCLG.fst" in model_problem(make_model(tmp_path / "e", static))  # type: ignore[operator]
    (tmp_path / "f").write_text("a file")
    assert model_problem(tmp_path / "f") == "not a folder"


def test_check_names_the_command_that_fixes_it(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as caught:
        check_model(tmp_path / "vosk-model-small-en-us-0.15")
    assert str(caught.value).endswith("download one with: python run.py models download vosk-model-small-en-us-0.15")


def test_installed_vosk_model_finds_hand_installed_english_models(tmp_path: Path) -> None:
    make_model(tmp_path / "vosk-model-small-fr-0.22")
    assert installed_vosk_model("en", tmp_path, []) is None
    english = make_model(tmp_path / "vosk-model-en-us-0.22")
    assert installed_vosk_model("en", tmp_path, []) == english
    assert installed_vosk_model("fr", tmp_path, []) == tmp_path / "vosk-model-small-fr-0.22"
    names = [(s.path.name, s.installed) for s in survey(tmp_path, [])]
    assert names == [("vosk-model-en-us-0.22", True), ("vosk-model-small-fr-0.22", True)]


def test_models_dir_follows_the_variable(tmp_path: Path) -> None:
    assert models_dir({"ASSISTANT_MODELS_DIR": str(tmp_path)}) == tmp_path
    assert models_dir({}) == MANIFEST_PATH.parent


# ---- the manifest ----

def test_the_shipped_manifest_pins_every_model() -> None:
    manifest = load_manifest()
    assert manifest, "the manifest knows no model"
    for spec in manifest:
        assert spec.url.startswith("https://") and spec.url.endswith(".zip")
        assert spec.size > 1_000_000 and len(spec.sha256) == 64 and spec.kind == "vosk"
    small = {spec.name: spec for spec in manifest}["vosk-model-small-en-us-0.15"]
    assert (small.size, small.sha256) == (41205931,
                                          "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498")


@pytest.mark.parametrize("text, says", [
    ("models: [{name: x}]", "entry 1: missing url, size, sha256, language, kind"),
    ("models: [{name: x, url: u, size: 10, sha256: abc, language: en, kind: vosk}]", "sha256 must be 64 hex"),
    ("models: [{name: ../x, url: u, size: 10, sha256: " + "a" * 64 + ", language: en, kind: vosk}]", "plain folder"),
    ("models: {", "not valid YAML"),
    ("other: 1", "needs a list"),
])
def test_a_broken_manifest_is_one_line(tmp_path: Path, text: str, says: str) -> None:
    (tmp_path / "manifest.yaml").write_text(text)
    with pytest.raises(ModelError, match=says) as caught:
        load_manifest(tmp_path / "manifest.yaml")
    assert "\n" not in str(caught.value)


# ---- the command line ----

def write_manifest(folder: Path, url: str, data: bytes = ARCHIVE) -> Path:
    spec = spec_for(url, data)
    path = folder / "manifest.yaml"
    path.write_text(f"models:\n  - name: {spec.name}\n    url: {spec.url}\n    size: {spec.size}\n"
                    f"    sha256: {spec.sha256}\n    language: en-us\n    kind: vosk\n    note: a test model\n")
    return path


def test_cli_lists_downloads_and_lists_again(cli: Callable, server: Server, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, serve(server))
    folder = tmp_path / "models"
    listed = cli("models", "--dir", str(folder), "--manifest", str(manifest))
    assert listed.status == 0 and f"{FOLDER}" in listed.stdout
    assert f"not installed; download it with: python run.py models download {FOLDER}" in listed.stdout
    got = cli("models", "download", FOLDER, "--dir", str(folder), "--manifest", str(manifest))
    assert got.status == 0, got.stderr
    assert got.stdout.strip() == f"installed {FOLDER} in {folder / FOLDER} (size and SHA-256 checked)"
    assert got.stderr.startswith(f"downloading {FOLDER} (0.0 MB) from 127.0.0.1:{server.port}")
    listed = cli("models", "list", "--dir", str(folder), "--manifest", str(manifest))
    assert f"installed in {folder / FOLDER}" in listed.stdout
    again = cli("models", "--dir", str(folder), "--manifest", str(manifest), "download", FOLDER)
    assert again.status == 0 and "already installed" in again.stdout


def test_cli_without_network_says_so_in_one_line(cli: Callable, tmp_path: Path) -> None:
    down = Server()
    manifest = write_manifest(tmp_path, serve(down))
    down.close()
    result = cli("models", "download", FOLDER, "--dir", str(tmp_path / "models"), "--manifest", str(manifest))
    assert result.status == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [f"downloading {FOLDER} (0.0 MB) from 127.0.0.1:{down.port}",
                                          f"run.py: cannot reach 127.0.0.1:{down.port}; check the network"]
    assert entries(tmp_path / "models") == []


def test_cli_unknown_model_names_the_known_ones(cli: Callable) -> None:
    result = cli("models", "download", "vosk-model-nonexistent")
    assert result.status == 1
    assert result.stderr.strip() == ("run.py: no model called 'vosk-model-nonexistent' in the manifest; known models: "
                                     "vosk-model-small-en-us-0.15 (see: python run.py models)")


def test_progress_bar_draws_on_a_terminal_only() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen, log = Terminal(), io.StringIO()
    for stream in (screen, log):
        bar = ProgressBar(stream, "m", width=10)
        for received in (0, 50, 50, 100):
            bar(received, 100)
        bar.close()
    assert log.getvalue() == ""
    assert screen.getvalue() == ("\rm [..........]   0%  0.0/0.0 MB\rm [#####.....]  50%  0.0/0.0 MB"
                                 "\rm [##########] 100%  0.0/0.0 MB\n")
