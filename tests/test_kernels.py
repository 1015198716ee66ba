"""Kernels over IPC (ampcore.book.kernels): no TCP port, so no "without encryption" warning.

The chapter runs of tests/test_cli.py and tests/test_signals.py check the stderr of real
``ampcore chapter run``s; here each route to a kernel is checked once: the venv's kernelspec
(papermill, MyST-NB, ``jupyter execute``), nbval's in-memory kernelspec with the default
provisioner its plugin sets, and the kernel manager the runner passes explicitly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

jupyter_client = pytest.importorskip("jupyter_client", reason="installed with the book extra")

from ampcore.book.kernels import PROVISIONER, IPCKernelManager  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SPEC = Path(sys.prefix) / "share" / "jupyter" / "kernels" / "python3" / "kernel.json"

START = '''
import json, os, sys
from jupyter_client.manager import KernelManager
{setup}
km = {manager}
km.start_kernel(stderr=open(sys.argv[1], "w"))
info = km.get_connection_info()
folder = os.path.dirname(info["ip"]) if info["transport"] == "ipc" else None
result = {{"transport": info["transport"], "ip": info["ip"], "mode": oct(os.stat(folder).st_mode & 0o777) if folder else None,
          "provisioner": type(km.provisioner).__name__}}
kc = km.client(); kc.start_channels(); kc.wait_for_ready(timeout=60)
kc.execute_interactive("import os; print(os.getpid())", timeout=60)
kc.stop_channels()
km.shutdown_kernel(now=False)
result["folder_left"] = bool(folder and os.path.exists(folder))
print(json.dumps(result))
'''

ROUTES = {
    "venv kernelspec": ("", 'KernelManager(kernel_name="python3")'),
    "nbval current env": (
        "from nbval.kernel import NbvalKernelspecManager, CURRENT_ENV_KERNEL_NAME\n"
        "from ampcore.book.kernels import set_default_provisioner\nset_default_provisioner()",
        "KernelManager(kernel_name=CURRENT_ENV_KERNEL_NAME, kernel_spec_manager=NbvalKernelspecManager())",
    ),
    "runner's manager": ("from ampcore.book.kernels import IPCKernelManager", 'IPCKernelManager(kernel_name="python3")'),
}


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory):
    from concurrent.futures import ThreadPoolExecutor

    folder = tmp_path_factory.mktemp("kernels")
    env = {k: v for k, v in os.environ.items() if k not in ("JUPYTER_DEFAULT_PROVISIONER_NAME", "MPLBACKEND")}

    def one(name: str):
        setup, manager = ROUTES[name]
        script = folder / f"{name.replace(' ', '_')}.py"
        script.write_text(START.format(setup=setup, manager=manager))
        stderr = folder / f"{script.stem}.stderr"
        proc = subprocess.run([sys.executable, str(script), str(stderr)], env=env, capture_output=True, text=True, timeout=300)
        return proc, stderr.read_text() if stderr.exists() else ""

    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip(ROUTES, pool.map(one, ROUTES)))


def test_the_venv_kernelspec_names_the_ipc_provisioner():
    if not SPEC.is_file():
        pytest.skip(f"no kernelspec at {SPEC} (run `make install`)")
    spec = json.loads(SPEC.read_text())
    assert spec["metadata"]["kernel_provisioner"]["provisioner_name"] == PROVISIONER
    assert spec["argv"][1:3] == ["-m", "ipykernel_launcher"]


def test_the_provisioner_is_registered():
    from jupyter_client.provisioning.factory import KernelProvisionerFactory

    assert PROVISIONER in KernelProvisionerFactory.instance().provisioners


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_every_route_runs_the_kernel_over_ipc(started, route):
    if route == "venv kernelspec" and not SPEC.is_file():
        pytest.skip("no venv kernelspec (run `make install`)")
    proc, kernel_stderr = started[route]
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["transport"] == "ipc" and os.path.isabs(result["ip"])
    assert result["mode"] == "0o700"  # a private folder: no other user can connect
    assert not result["folder_left"], "the socket folder must be removed with the kernel"
    assert "without encryption" not in kernel_stderr and "without encryption" not in proc.stderr


def test_ipc_is_skipped_for_a_manager_already_on_ipc(tmp_path):
    km = IPCKernelManager(kernel_name="python3", transport="ipc", ip=str(tmp_path / "k"))
    from ampcore.book.kernels import use_ipc

    use_ipc(km)
    assert km.ip == str(tmp_path / "k")
