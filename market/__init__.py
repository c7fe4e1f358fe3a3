"""E-procurement marketplace for SME suppliers in MERCOSUR."""
