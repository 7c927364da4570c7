"""Qt widgets only: everything here calls services and never touches SQL."""
