"""Artist2Vec: word2vec over playlists, artists (or tracks) as words."""
