"""The canonical tables: the observation table every reader produces (:mod:`.observations`).

``from navwatch.schema import X`` reaches everything the observation table defines.
"""

from ..errors import SchemaError as SchemaError
from .observations import CONFIDENCE_MISSING as CONFIDENCE_MISSING
from .observations import CONFIDENCE_WORDS as CONFIDENCE_WORDS
from .observations import DEFAULT_RELIABILITY as DEFAULT_RELIABILITY
from .observations import DTYPES as DTYPES
from .observations import IDENTITY as IDENTITY
from .observations import KIND_DTYPE as KIND_DTYPE
from .observations import KINDS as KINDS
from .observations import OPTIONAL as OPTIONAL
from .observations import REQUIRED as REQUIRED
from .observations import TIME_DTYPE as TIME_DTYPE
from .observations import column as column
from .observations import concat as concat
from .observations import conform as conform
from .observations import empty as empty
from .observations import parse_confidence as parse_confidence
from .observations import to_utc as to_utc
