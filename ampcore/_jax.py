"""JAX plumbing shared by the neural generators (:mod:`ampcore.generators.gan`, :mod:`ampcore.generators.flow`).

Compiled trainers are kept on disk in JAX's persistent compilation cache, so only the first
process to train a configuration pays its compilation. JAX is imported only inside the functions.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

__all__ = ["cache_folder", "use_compilation_cache"]


def cache_folder() -> Path | None:
    """Where compiled JAX trainers (the GAN's, the flow's) are kept between processes, or None if that is switched off.

    ``$AMPCORE_JAX_CACHE`` names the folder (``0``, ``off`` or an empty value switch it off);
    by default it is ``ampcore/jax`` under ``$XDG_CACHE_HOME`` (``~/.cache``). A cached trainer is
    the same executable JAX would compile, so results do not depend on it; it saves the
    compilation (several seconds) in every new process, such as a study's workers.
    """
    value = os.environ.get("AMPCORE_JAX_CACHE")
    if value is not None:
        return None if value.strip().lower() in ("", "0", "off", "no", "false") else Path(value).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ampcore" / "jax"


@functools.lru_cache(maxsize=1)
def use_compilation_cache() -> None:
    """Point JAX's persistent compilation cache at :func:`cache_folder`, unless the user set one."""
    import jax

    config: Any = jax.config  # its options are attributes made at run time
    folder = cache_folder()
    if folder is None or config.jax_compilation_cache_dir:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:  # a read-only home: compile in every process, as without the cache
        return
    config.update("jax_compilation_cache_dir", str(folder))
    config.update("jax_persistent_cache_min_compile_time_secs", 0.5)
