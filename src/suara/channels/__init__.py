"""Ways citizens reach Suara besides the web and GraphQL: SMS and Open311."""
