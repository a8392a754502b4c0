"""Submodels: one module per ODD section 7 submodel, each a set of vectorised rules on persons."""
