"""Write the venv's ``python3`` kernelspec so that its kernels run over IPC (``make install``).

ipykernel installs ``<prefix>/share/jupyter/kernels/python3/kernel.json``; this rewrites it with
the same fields plus ``metadata.kernel_provisioner = {"provisioner_name": "ampcore-ipc"}``, so
that papermill, MyST-NB (``make book``) and ``jupyter execute`` (``make notebooks``) start their
kernels through :class:`ampcore.book.kernels.IPCProvisioner`: IPC sockets in a private folder
instead of unencrypted TCP on localhost, and no process of the kernel left when it stops.

Usage: ``python tools/install_kernel.py [--prefix PREFIX]`` (default: this Python's prefix).
Idempotent; prints the path written.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def kernelspec() -> dict[str, object]:
    """ipykernel's own kernelspec of this Python, with the ampcore-ipc provisioner."""
    from ipykernel.kernelspec import get_kernel_dict

    from ampcore.book.kernels import PROVISIONER

    spec = dict(get_kernel_dict())
    spec["argv"] = ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"]  # jupyter_client maps python to its own interpreter
    metadata = dict(spec.get("metadata") or {})
    metadata["kernel_provisioner"] = {"provisioner_name": PROVISIONER, "config": {}}
    spec["metadata"] = metadata
    return spec


def install(prefix: str | Path) -> Path:
    """Write the kernelspec under `prefix` (keeping ipykernel's logos); return the kernel.json path."""
    from ipykernel.kernelspec import RESOURCES

    folder = Path(prefix) / "share" / "jupyter" / "kernels" / "python3"
    folder.mkdir(parents=True, exist_ok=True)
    for logo in Path(RESOURCES).glob("logo-*"):
        target = folder / logo.name
        if not target.exists():
            target.write_bytes(logo.read_bytes())
    path = folder / "kernel.json"
    tmp = path.with_suffix(".json.partial")
    tmp.write_text(json.dumps(kernelspec(), indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", default=sys.prefix, help="install prefix (default: %(default)s)")
    args = parser.parse_args(argv)
    print(f"install_kernel: {install(args.prefix)} (kernels over IPC: ampcore-ipc provisioner)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
