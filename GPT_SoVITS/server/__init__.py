"""The HTTP API: upstream's api_v2 routes (`/tts`, `/set_*_weights`, `/control`) and an
OpenAI-compatible `/v1/audio/speech`, on top of `GPT_SoVITS.inference`'s model pool.

`config.py` reads tts_infer.yaml, `requests.py` the request bodies, `encoders.py` the audio
formats, `admission.py` the bounded queue, `synthesis.py` runs requests on the pool, `app.py`
builds the FastAPI application and `cli.py` starts it (`api_v2.py` at the root calls it).
"""
