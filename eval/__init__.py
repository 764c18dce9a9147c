"""Answer-accuracy evaluation: a keyed question set, pure scoring functions and a thin runner."""
