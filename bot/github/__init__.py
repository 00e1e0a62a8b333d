"""GitHub access: the REST client and the pull request snapshot built from it."""
