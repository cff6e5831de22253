"""Imports every component factory the project registers, so saved pipelines load."""
