"""The public GraphQL API at /graphql."""
