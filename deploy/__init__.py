"""Deployment files and the local, Docker-free runner of the same topology."""
