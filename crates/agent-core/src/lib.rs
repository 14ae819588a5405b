//! The b24-agent core: protocol, tool catalog, safety policy and the turn loop.
