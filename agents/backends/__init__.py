"""The training backends (issue 20): each maps the one config, the networks of agents.nets and the one reward onto a
framework. rllib_module.py is RLlib's thin adapter around agents.nets.torch_nets."""
