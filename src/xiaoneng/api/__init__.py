"""The integration API (接口, C13): API keys per department system and the REST endpoints."""
