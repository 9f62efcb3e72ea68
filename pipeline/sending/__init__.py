"""Send the letters the owner has signed, exactly once."""
