"""Output: atomic file writes (:mod:`.files`), markdown to HTML (:mod:`.markdown`) and the fit
report (:mod:`.report`). Every file the package writes goes through :func:`write_atomic`."""

from .files import check_writable, write_atomic

__all__ = ["check_writable", "write_atomic"]
