"""The DfE statutory returns (CIN census, SSDA903): not built yet."""
