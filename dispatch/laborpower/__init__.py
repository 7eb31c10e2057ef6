"""The dispatch app's LaborPower imports: employers (with their contracts and contacts) and the
dispatch history. Registered with the import framework (unioncore.imports) by DispatchConfig.ready()."""


def register_kinds() -> None:
    from unioncore.imports import register

    from .dispatches import Dispatches
    from .employers import Employers

    register(Employers(), label="Employers (with contract codes and contacts)", order=20)
    register(Dispatches(), label="Dispatch history", order=40)
