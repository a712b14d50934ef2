"""The related-artists graph and what SAGE derives from it: random walks and word2vec vectors."""
