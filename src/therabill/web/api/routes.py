"""API routers (filled in area by area)."""

from fastapi import APIRouter

ROUTERS: list[APIRouter] = []
