"""The members app's LaborPower imports: members and the member ledger. Registered with the
import framework (unioncore.imports) by MembersConfig.ready()."""


def register_kinds() -> None:
    from unioncore.imports import register

    from .ledger import Ledger
    from .members import Members

    register(Members(), label="Members", order=10)
    register(Ledger(), label="Member ledger", order=50)
