"""The hub's Cypher statements, one module per area, in the portable subset.

Rules (shared/research/graph-engine.md §6): parameters always; each UNWIND row anchors
its nodes in their own MATCH; no EXISTS {}/COUNT {}, regex, shortestPath or APOC; no
date arithmetic (due dates arrive as parameters); dates travel as ISO strings inside
`date($x)`; instants are epoch milliseconds; statements return maps, never nodes.
"""
