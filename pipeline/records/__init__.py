"""The consents record and the request bundle, and the PDFs they are made of."""
