"""Speaker-verification encoder (ERes2NetV2) for the versions with speaker vectors: 16 kHz audio -> [B, 20480].

`load_speaker_encoder(path).embed(wav16k)` is the whole interface; the network, the fbank
front end and the loader live in the modules below. It is frozen here: nothing trains it.
"""

from GPT_SoVITS.sv.encoder import EMBEDDING_DIM, SV_FILE_NAME, SpeakerEncoder, load_speaker_encoder

__all__ = ["EMBEDDING_DIM", "SV_FILE_NAME", "SpeakerEncoder", "load_speaker_encoder"]
