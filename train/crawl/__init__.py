"""Crawling similar-artists services into the related-artists graph (the SAGE data path).

`crawler.crawl` walks outward from seed bands, hop by hop, storing edges in
`artist_edges` and its progress in `crawl_queue`; `lastfm.LastfmClient` is the service
it walks (Last.fm's artist.getSimilar).
"""
