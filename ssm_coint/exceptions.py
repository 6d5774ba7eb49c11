"""Typed exceptions and warnings raised by :mod:`ssm_coint`.

Every error about user input derives from :class:`DataError` (itself a ``ValueError``), so callers
can catch one class; the CLI turns any :class:`SsmCointError` into a one-line message and a
non-zero exit status. Messages name the file, column, row or date at fault.
"""

from __future__ import annotations

__all__ = [
    "SsmCointError",
    "DataError",
    "DataFileNotFoundError",
    "DataFormatError",
    "MissingDateColumnError",
    "DateParseError",
    "DuplicateDateError",
    "UnknownAssetError",
    "TooFewAssetsError",
    "NonNumericError",
    "MissingValueError",
    "NonPositivePriceError",
    "ConstantSeriesError",
    "CollinearAssetsError",
    "InsufficientDataError",
    "SampleSplitError",
    "ModelSpecificationError",
    "EstimationError",
    "OutputExistsError",
    "OutputNotWritableError",
    "SsmCointWarning",
    "DataWarning",
    "ConvergenceWarning",
    "BoundaryWarning",
    "PerformanceWarning",
]


class SsmCointError(Exception):
    """Base class of every error raised on purpose by ssm_coint."""


class DataError(SsmCointError, ValueError):
    """Input prices cannot be used as given."""


class DataFileNotFoundError(DataError, FileNotFoundError):
    """The data file does not exist."""


class DataFormatError(DataError):
    """The data file cannot be read (unknown extension, corrupt content, wrong layout)."""


class MissingDateColumnError(DataError):
    """No date column was found in the data file."""


class DateParseError(DataError):
    """A value in the date column is not a date."""


class DuplicateDateError(DataError):
    """The same date occurs more than once (for one symbol)."""


class UnknownAssetError(DataError):
    """A requested asset is not a column / symbol of the data."""


class TooFewAssetsError(DataError):
    """Fewer than two assets were requested or found."""


class NonNumericError(DataError):
    """A price cell is not a number."""


class MissingValueError(DataError):
    """A price is NaN or infinite inside the sample."""


class NonPositivePriceError(DataError):
    """A price is zero or negative where log prices are requested."""


class ConstantSeriesError(DataError):
    """An asset's price does not vary over the sample."""


class CollinearAssetsError(DataError):
    """The regressors (with the constant) are perfectly collinear."""


class InsufficientDataError(DataError):
    """Too few observations for the number of parameters."""


class SampleSplitError(DataError):
    """A date range or train/test split falls outside the data."""


class ModelSpecificationError(SsmCointError, ValueError):
    """Inconsistent model options (unknown variant, bad fixed parameter, bad initialization)."""


class EstimationError(SsmCointError, RuntimeError):
    """Estimation failed in a way that leaves no usable result."""


class SsmCointWarning(UserWarning):
    """Base class of ssm_coint warnings."""


class DataWarning(SsmCointWarning):
    """Input data were altered (sorted, rows dropped, values filled)."""


class ConvergenceWarning(SsmCointWarning):
    """An optimizer or iterative method stopped without meeting its convergence criterion."""


class BoundaryWarning(SsmCointWarning):
    """An estimate lies on the boundary of the parameter space (a variance at zero, alpha at 1)."""


class PerformanceWarning(SsmCointWarning):
    """Results are right but slower than they should be (e.g. compiled kernels not cached)."""


class OutputExistsError(SsmCointError, FileExistsError):
    """An output file exists already and overwriting was not allowed (pass ``force=True``)."""


class OutputNotWritableError(SsmCointError, PermissionError):
    """An output folder cannot be written (or created): checked before any work is done."""
