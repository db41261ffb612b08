"""Where the rooms' Dask jobs run: a ``LocalCluster`` started for the work (the default), or the cluster at a
scheduler address. Quality checks and AI model runs both go through here.

Public surface: ``ClusterChoice`` (where), ``dask_client(choice)`` (a client for one run, and its LocalCluster
stopped after), ``KeptClient(choice)`` (one kept open across runs, e.g. by a hub subscriber).
"""

from imaging_hub.cluster.clients import ClusterChoice, KeptClient, dask_client

__all__ = ["ClusterChoice", "KeptClient", "dask_client"]
