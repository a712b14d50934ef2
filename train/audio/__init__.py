"""Audio: files -> log-mel spectrograms -> a CNN that predicts a track's vector in a
collaborative space (Dieleman, 2014), so tracks nobody has listened to get a place.

    discover (files, tags, manifest, names) -> ingest (hash, link to the catalog)
    -> features (cached log-mels) -> model + train -> evaluate -> space (the `audio` run)
"""
