"""weights_compat: the one place every checkpoint is read, identified, adapted and written.

Upstream numbers phone symbols by a fixed table, so a checkpoint's text embedding only loads
into a model built for the same table. Here any GPT-SoVITS checkpoint loads into a model of
any table: text-embedding rows are copied *by symbol name*, rows of new symbols are
initialised by a declared policy, every other tensor is loaded strictly, and one report line
says what happened. Stage 3, both trainers, synthesis and the UI all go through this package.
It never unpickles arbitrary objects and never guesses from file sizes.

Modules: `reading` (format sniffing, safe unpickling, dtype checks), `header` (upstream's
version bytes in place of a zip's `PK`), `identification` (kind, version and table from the
content; `architectures()` from the version table), `tables` (which symbol table), `adaptation` (pure state-dict
conversion), `loading` (strict load into a module), `saving` (atomic upstream-format writes,
`convert`), `cli`.
"""

from GPT_SoVITS.weights_compat.adaptation import POLICIES, EmbeddingAdaptation, adapt_state_dict, adapt_text_embedding
from GPT_SoVITS.weights_compat.cli import describe, main
from GPT_SoVITS.weights_compat.identification import (
    S1_PREFIX,
    TEXT_EMBEDDING_KEYS,
    Architecture,
    architectures,
    CheckpointInfo,
    identify,
    text_embedding_key,
)
from GPT_SoVITS.weights_compat.loading import CompatReport, load_into, load_strictly
from GPT_SoVITS.weights_compat.reading import HEADER_KEY, HParamsStandIn, check_weight_dtypes, read_checkpoint, read_training_state
from GPT_SoVITS.weights_compat.saving import convert_checkpoint, save_checkpoint
from GPT_SoVITS.weights_compat.tables import resolve_table

__all__ = [
    "HEADER_KEY", "POLICIES", "S1_PREFIX", "TEXT_EMBEDDING_KEYS",
    "Architecture", "CheckpointInfo", "architectures", "CompatReport", "EmbeddingAdaptation", "HParamsStandIn",
    "adapt_state_dict", "adapt_text_embedding", "check_weight_dtypes", "convert_checkpoint", "describe",
    "identify", "load_into", "load_strictly", "main", "read_checkpoint", "read_training_state", "resolve_table", "save_checkpoint", "text_embedding_key",
]
