"""Shared fixtures: a small hand-written toolkit and tasks that do not depend on synthesis."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import settings

# property tests explore a fixed sequence of examples, so CI runs are reproducible
settings.register_profile("deterministic", derandomize=True, print_blob=True)
settings.load_profile("deterministic")

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]

SHOP = {
    "name": "shop",
    "description": "A tiny shop",
    "collections": {
        "products": {"id_field": "product_id", "id_prefix": "P", "initial": 5,
                     "schema": {"type": "object", "properties": {
                         "product_id": {"type": "string"}, "name": {"type": "string"},
                         "category": {"type": "string", "enum": ["books", "toys", "garden"]},
                         "price": {"type": "number", "minimum": 0}}, "required": ["product_id", "name", "price"]}},
        "orders": {"id_field": "order_id", "id_prefix": "O", "initial": 0,
                   "schema": {"type": "object", "properties": {
                       "order_id": {"type": "string"}, "product_id": {"type": "string"},
                       "quantity": {"type": "integer", "minimum": 1},
                       "status": {"type": "string", "enum": ["placed", "shipped", "cancelled"]}},
                       "required": ["order_id", "product_id", "quantity"]}},
    },
    "tools": [
        {"name": "search_products", "description": "Search the catalog.",
         "parameters": {"type": "object", "properties": {
             "category": {"type": "string", "enum": ["books", "toys", "garden"], "description": "product category"},
             "max_price": {"type": "number", "description": "highest price"}}, "required": ["category"]},
         "response": {"type": "object", "properties": {
             "results": {"type": "array", "items": {"type": "object", "properties": {
                 "product_id": {"type": "string"}, "name": {"type": "string"}, "price": {"type": "number"}},
                 "required": ["product_id", "name", "price"]}},
             "count": {"type": "integer"}}, "required": ["results", "count"]},
         "effect": {"collection": "products", "action": "search"}},
        {"name": "place_order", "description": "Order a product.",
         "parameters": {"type": "object", "properties": {
             "product_id": {"type": "string", "description": "the product"},
             "quantity": {"type": "integer", "minimum": 1, "description": "how many"}},
             "required": ["product_id", "quantity"]},
         "response": {"type": "object", "properties": {
             "order_id": {"type": "string"}, "product_id": {"type": "string"}, "quantity": {"type": "integer"},
             "status": {"type": "string", "enum": ["placed", "shipped", "cancelled"]}},
             "required": ["order_id", "status"]},
         "effect": {"collection": "orders", "action": "create"}},
        {"name": "get_order", "description": "Read an order.",
         "parameters": {"type": "object", "properties": {"order_id": {"type": "string", "description": "the order"}},
                        "required": ["order_id"]},
         "response": {"type": "object", "properties": {
             "order_id": {"type": "string"}, "product_id": {"type": "string"}, "quantity": {"type": "integer"},
             "status": {"type": "string", "enum": ["placed", "shipped", "cancelled"]}}, "required": ["order_id"]},
         "effect": {"collection": "orders", "action": "read"}},
        {"name": "cancel_order", "description": "Cancel an order.",
         "parameters": {"type": "object", "properties": {"order_id": {"type": "string", "description": "the order"}},
                        "required": ["order_id"]},
         "response": {"type": "object", "properties": {"order_id": {"type": "string"}, "cancelled": {"type": "boolean"}},
                      "required": ["order_id", "cancelled"]},
         "effect": {"collection": "orders", "action": "delete"}},
        {"name": "get_weather", "description": "Current weather for a city.",
         "parameters": {"type": "object", "properties": {
             "city": {"type": "string", "description": "the city"},
             "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "description": "unit"}},
             "required": ["city"]},
         "response": {"type": "object", "properties": {
             "city": {"type": "string"}, "temperature": {"type": "number"},
             "conditions": {"type": "string", "enum": ["sunny", "cloudy", "rain"]}},
             "required": ["city", "temperature", "conditions"]}},
    ],
}


def shop_tasks() -> list[dict]:
    """Hand-written tasks over SHOP covering single, parallel, dependent, irrelevance, missing-arg."""
    return [
        {"id": "single", "category": "simple", "tools": ["get_weather"], "seed": 1,
         "turns": [{"user": "Weather in Lyon?", "steps": [[{"label": "c0", "name": "get_weather",
                                                             "arguments": {"city": "Lyon"}}]], "answer": "It is mild."}]},
        {"id": "parallel", "category": "parallel", "tools": ["get_weather"], "seed": 2,
         "turns": [{"user": "Weather in Paris and Oslo?", "steps": [[
             {"label": "c0", "name": "get_weather", "arguments": {"city": "Paris"}},
             {"label": "c1", "name": "get_weather", "arguments": {"city": "Oslo"}}]], "answer": "Here you go."}]},
        {"id": "chain", "category": "multi_step", "tools": ["search_products", "place_order", "get_order"], "seed": 3,
         "turns": [{"user": "Order two of the first toy, then show the order.", "steps": [
             [{"label": "c0", "name": "search_products", "arguments": {"category": "toys"}}],
             [{"label": "c1", "name": "place_order", "arguments": {
                 "product_id": {"$ref": "c0/results/0/product_id"}, "quantity": 2}}],
             [{"label": "c2", "name": "get_order", "arguments": {"order_id": {"$ref": "c1/order_id"}}}]],
             "answer": "Ordered."}]},
        {"id": "irrelevant", "category": "irrelevance", "tools": ["get_weather"], "seed": 4,
         "turns": [{"user": "Write me a poem.", "steps": [], "answer": "I cannot do that with these tools."}]},
        {"id": "missing", "category": "missing_argument", "tools": ["get_weather"], "seed": 5,
         "turns": [{"user": "What's the weather?", "steps": [], "answer": "Which city?"},
                   {"user": "Rome.", "steps": [[{"label": "c0", "name": "get_weather", "arguments": {"city": "Rome"}}]],
                    "answer": "Done."}]},
    ]


@pytest.fixture()
def shop_dir(tmp_path: Path) -> Path:
    (tmp_path / "shop.json").write_text(json.dumps(SHOP))
    return tmp_path


@pytest.fixture()
def shop_env(shop_dir):
    import gymnasium as gym

    import toolenv  # noqa: F401

    env = gym.make("ToolUse-v0", tool_specs=shop_dir, tasks=shop_tasks())
    yield env
    env.close()
