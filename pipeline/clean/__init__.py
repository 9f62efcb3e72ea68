"""The clean copy: the child's file gathered, OCR'd, every refused mention marked for the owner
to review, and the approved review applied for real, checked, and logged."""
