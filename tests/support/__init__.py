"""What both tiers share: gateway events, the local stack, identities, recorders, templates."""
