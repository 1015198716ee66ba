"""Chapter kernels over IPC, and nothing left running when they stop.

Every kernel this project starts — ``ampcore chapter run`` and papermill, nbval under ``make
test``, the book's MyST-NB executor and ``jupyter execute`` under ``make book`` and ``make
notebooks`` — talks to its client over IPC (Unix domain sockets in a private folder, mode 0700)
instead of TCP on localhost. Over TCP any local user can connect to an unencrypted kernel port,
and ipykernel says so at every start ("Kernel is running over TCP without encryption ...
susceptible to eavesdropping"); over IPC that is no longer true, so the warning is not printed
(it is not hidden: the condition it warns about is gone).

Three routes lead here, because the launchers create their kernel managers differently:

* :class:`IPCProvisioner`, a jupyter_client *kernel provisioner* (entry point ``ampcore-ipc`` in
  the group ``jupyter_client.kernel_provisioners``), named in the ``python3`` kernelspec that
  ``make install`` writes into the venv (``tools/install_kernel.py``): papermill, MyST-NB and
  ``jupyter execute`` start kernels from that kernelspec;
* the same provisioner as jupyter_client's default (``$JUPYTER_DEFAULT_PROVISIONER_NAME``), set
  by ``tools/nbval_record.py`` for nbval, whose ``--nbval-current-env`` kernelspec is built in
  memory without the venv's file;
* :class:`IPCKernelManager`, passed explicitly by :func:`ampcore.book.runner.execute_chapter`,
  so a chapter run is over IPC even in an environment whose kernelspec was not written by us.

The provisioner also ends, when its kernel stops, every process left in the kernel's process
group (a chapter's process-pool workers, the forkserver, the resource tracker), so an
interrupted or killed chapter leaves no orphan behind.

Limits: Unix only (on Windows the stock TCP provisioner is used unchanged); a socket path must
be shorter than ~100 characters, so the folder is made under the system's temporary folder.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
from typing import Any

from jupyter_client.manager import AsyncKernelManager, KernelManager
from jupyter_client.provisioning.local_provisioner import LocalProvisioner
from traitlets import Float

__all__ = ["PROVISIONER", "IPCProvisioner", "IPCKernelManager", "IPCAsyncKernelManager", "use_ipc", "set_default_provisioner"]

PROVISIONER = "ampcore-ipc"
"""Name of :class:`IPCProvisioner` in jupyter_client's provisioner registry (an entry point)."""

_DEFAULT_ENV = "JUPYTER_DEFAULT_PROVISIONER_NAME"


def _ipc_supported() -> bool:
    return sys.platform != "win32"


def use_ipc(manager: Any) -> None:
    """Switch a kernel manager that has not started its kernel yet to IPC in a private folder."""
    if not _ipc_supported() or manager.transport == "ipc":
        return
    folder = tempfile.mkdtemp(prefix="ampcore-kernel-")  # mode 0700: only this user can connect
    manager.transport = "ipc"
    manager.ip = os.path.join(folder, "kernel")
    manager._ampcore_ipc_folder = folder


def _remove_folder(manager: Any) -> None:
    folder = getattr(manager, "_ampcore_ipc_folder", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        manager._ampcore_ipc_folder = None


def _end_group(pgid: Any) -> None:
    """SIGKILL what is left of a stopped kernel's process group (never this process's own)."""
    if pgid and hasattr(os, "killpg") and pgid != os.getpgid(0):
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class IPCProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, over IPC, ending the kernel's whole process group."""

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        """Switch the kernel manager to IPC before the connection file is written."""
        if self.parent is not None:
            use_ipc(self.parent)
        result: dict[str, Any] = await super().pre_launch(**kwargs)
        return result

    async def cleanup(self, restart: bool = False) -> None:
        """After the kernel: end what it left in its process group, remove the socket folder."""
        pgid = self.pgid
        await super().cleanup(restart=restart)
        if not restart:
            _end_group(pgid)
            if self.parent is not None:
                _remove_folder(self.parent)


class _IPC:
    """Kernel-manager mixin: IPC before the kernel starts; its process group ended after it stops."""

    async def _async_pre_start_kernel(self, **kw: Any) -> Any:
        use_ipc(self)
        return await super()._async_pre_start_kernel(**kw)  # type: ignore[misc]

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        provisioner = getattr(self, "provisioner", None)
        pgid = getattr(provisioner, "pgid", None)
        await super()._async_cleanup_resources(restart=restart)  # type: ignore[misc]
        if not restart:
            _end_group(pgid)  # the chapter's pool workers, forkserver and resource tracker, if left
            _remove_folder(self)


class IPCKernelManager(_IPC, KernelManager):
    """A blocking jupyter_client kernel manager over IPC (see the module docstring)."""


class IPCAsyncKernelManager(_IPC, AsyncKernelManager):
    """The async kernel manager nbclient and papermill use, over IPC."""

    # a kernel that ignores the shutdown request is killed after 2 s, not 5 (Ctrl-C stays prompt)
    shutdown_wait_time = Float(2.0, config=True)


def set_default_provisioner() -> None:
    """Make :class:`IPCProvisioner` jupyter_client's default in this process (and its children).

    For launchers that build their kernelspec in memory (nbval ``--nbval-current-env``); a
    kernelspec naming its own provisioner still gets that one.
    """
    if _ipc_supported():
        os.environ.setdefault(_DEFAULT_ENV, PROVISIONER)
