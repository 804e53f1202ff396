"""Settings classes read from the environment (standard library only)."""

from config.settings import (
    Config,
    DevelopmentConfig,
    ProductionConfig,
    TestingConfig,
    config_for,
)

__all__ = ["Config", "DevelopmentConfig", "ProductionConfig", "TestingConfig", "config_for"]
