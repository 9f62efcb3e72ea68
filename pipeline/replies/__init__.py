"""File each reply against its request and third party."""
