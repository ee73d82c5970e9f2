"""The data tools: the tool vocabulary over the ``DataSource`` port (records, writes, Odoo's business layer)."""

from bastion.tools.data.env import DataToolEnv
from bastion.tools.data.specs import DATA_TOOLS, data_tool_specs

__all__ = ["DATA_TOOLS", "DataToolEnv", "data_tool_specs"]
