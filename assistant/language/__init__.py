"""Language: Chinese numerals, text normalisation and the domain vocabulary."""
