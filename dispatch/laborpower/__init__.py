"""The dispatch app's LaborPower imports: employers (with their contracts and contacts), LaborPower's
employer lists (one per contract group, no employer code) and the dispatch history. Registered
with the import framework (unioncore.imports) by DispatchConfig.ready()."""


def register_kinds() -> None:
    from unioncore.imports import register

    from .dispatches import Dispatches
    from .employer_lists import EmployerLists
    from .employers import Employers

    register(Employers(), label="Employers (with contract codes and contacts)", order=20)
    register(EmployerLists(), label="Employer lists (LaborPower's, one per contract group)", order=25)
    register(Dispatches(), label="Dispatch history", order=40)
