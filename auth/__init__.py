"""Who is calling and what they may do: tokens, principals, role capabilities."""
