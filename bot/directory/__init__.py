"""The provider directory: where to find medication treatment and naloxone."""
