"""anthology: an edited academic book from invitations to print."""

__version__ = "0.1.0"
