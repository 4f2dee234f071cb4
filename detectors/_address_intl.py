"""Street addresses in international layouts, beside the US/UK grammar of ``_address``.

- the street name before the house number: ``Musterstraße 12``, ``Kossuth tér 180.``,
  ``Rua das Flores 1634``, ``Via Roma, 12``, ``682, avenue de Toussaint``;
- a street-type word first (``Rua``, ``Calle``, ``Via``, ``Rue``, ``ulica``, ``Jalan``)
  or last, glued (``-straße``, ``-weg``, ``-vej``, ``-gatan``, ``-katu``) or apart
  (``utca``, ``tér``);
- any capitalised street with a number, when a postcode and town follow it;
- then the flat/floor part (``apto 12``, ``3. OG``, ``2º esq.``), and the postcode
  before or after the town, across ``, ``, two spaces or a tab;
- PO boxes (``PO Box``, ``Postfach``, ``Caixa Postal``, ``Apartado``) and US
  military addresses (``PSC 0115, Box 2449, APO AE 09123``, ``USNS Ship, FPO AP 96543``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

__all__ = ["intl_spans"]

_U = "A-Z\u00c0-\u00d6\u00d8-\u00de\u0100-\u017f"
_L = "a-z\u00df-\u00f6\u00f8-\u00ff\u0100-\u017f"
_CAP = rf"[{_U}][{_L}{_U}'\u2019.-]*"  # Capitalised word
_LINK = (
    r"(?:de|da|das|do|dos|del|della|di|du|des|la|le|las|los|el|van|von|der|den|am|an|im"
    r"|sur|nad|pod|na|i|y|e)"
)
_NAME = rf"{_CAP}(?:[ \t]+(?:{_LINK}[ \t]+)?{_CAP}){{0,4}}"
_NUM = r"\d{1,5}[A-Za-z]?(?:[/-]\d{1,5}[A-Za-z]?)?\.?"
_GLUED = (
    r"(?i:stra(?:ss|ß)e|str\.|weg|gasse|platz|allee|ring|damm|ufer|steig|pfad|chaussee|"
    r"laan|straat|plein|gracht|kade|singel|dreef|hof|baan|park|"
    r"vej|gade|plads|allé|gata|gatan|vägen|väg|gränd|stigen|torget|backe|"
    r"katu|tie|kuja|polku|tori|kaari|rinne|veien|vegen|gata|bulevardi|"
    r"utca|út|tér|körút|sor|köz)"
)
_TYPE_BEFORE = (
    r"(?:Rua|Avenida|Av\.|Travessa|Tv\.|Praça|Largo|Estrada|Alameda|Rodovia|Viela|Setor|"
    r"Recanto|Calle|C/|Avda\.?|Plaza|Paseo|Camino|Carrer|Ronda|Cuesta|Acceso|Glorieta|"
    r"Via|Viale|Piazza|Corso|Vicolo|Strada|Contrada|Borgo|Rotonda|Piazzale|"
    r"Rue|Avenue|Boulevard|Bd|Place|Allée|Chemin|Impasse|Quai|Route|Cours|"
    r"Ulica|ul\.|Aleja|al\.|Plac|Osiedle|Bulevardul|Calea|Strada|Gang|Gg\.|Jalan|Jl\.|Jln\.?|"
    # Romanian; Brazilian logradouro types; more Italian ones.
    r"Drumul|Soseaua|Șoseaua|Aleea|Splaiul|Intrarea|Piața|Piata|"
    r"Quadra|Passarela|Conjunto|Vereda|Loteamento|Estação|Jardim|Fazenda|Vila|Ladeira|"
    r"Parque|Chácara|Condomínio|Residencial|Núcleo|Sítio|Trecho|Vale|Lagoa|Morro|Distrito|"
    r"Canale|Stretto|Incrocio|Traversa|Salita|Galleria|Rampa|Sentiero|Rione)"
)
_TYPE_AFTER = r"(?:utca|út|tér|körút|köz|sor|sétány|náměstí|nábřeží|třída)"
_UNIT = (
    r"(?:,?[ \t]*(?i:apto\.?|apt\.?|apartamento|appartamento|app\.?|piso|bloco|bl\.|"
    r"andar|floor|fl\.|suite|ste\.?|unit|flat|wohnung|whg\.?|etage|étage|bus|lgh|"
    r"lok\.|m\.|piano|puerta|sc\.|ap\.)[ \t]*[\w/º°ª.-]{1,8}"
    r"|,?[ \t]*\d{1,2}\.?[ \t]*(?:OG|EG|DG|º|°|ª)[ \t\w.]{0,6})"
)
_POST = (
    r"(?:\d{5}-\d{3}|\d{4}-\d{3}|\d{2}-\d{3}|\d{3}[ \t]?\d{2}|[A-Z]{1,2}-?\d{4,5}|"
    r"\d{4}[ \t]?[A-Z]{2}|\d{4,8})(?![\dA-Za-z])"  # whole: not the head of a longer number
)
_SEP = r"(?:,[ \t]*|[ \t]{2,}|\t)"
_TOWN = rf"(?:{_NAME}(?:[ \t]+\([A-Z]{{2}}\))?)"
_TAIL = (
    rf"(?:{_SEP}(?:{_POST},?[ \t]+{_TOWN}|{_TOWN},?[ \t]+{_POST}|{_TOWN})"
    rf"(?:,?[ \t]+[A-Z]{{2}}(?:[ \t]+\d{{5}})?)?)?"
)


@functools.cache
def _pattern() -> re.Pattern[str]:
    glued = rf"[{_U}][{_L}{_U}'-]*{_GLUED}"
    streets = [
        # Musterstraße 12 / Am Lindenweg 4 / Adriansvej 774
        rf"(?:{_CAP}[ \t]+){{0,3}}{glued}[ \t]+{_NUM}",
        # Kossuth tér 180. / Nils Westermarckin kuja 63
        rf"(?:{_CAP}[ \t]+){{1,3}}(?:{_TYPE_AFTER}|{_GLUED})[ \t]+{_NUM}",
        # Rua das Flores 1634 / Via Roma, 12 / Calle Mayor 5 / Gg. Rungkut No. 91
        rf"(?i:{_TYPE_BEFORE})[ \t]+(?:{_LINK}[ \t]+)*{_NAME},?[ \t]+"
        rf"(?:(?:No|Nr|Nº)\.?[ \t]*)?{_NUM}",
        # 682, avenue de Toussaint / 8 rue de la Paix
        rf"\d{{1,5}}(?:[ \t]?(?:bis|ter))?,?[ \t]+(?i:{_TYPE_BEFORE})[ \t]+"
        rf"(?:{_LINK}[ \t]+)*{_NAME}",
        # Průjezdná 825, 731 70 Lázně Kynžvart: any street + number, with postcode + town after
        rf"(?:{_CAP}[ \t]+){{0,3}}{_CAP}[ \t]+{_NUM}(?={_UNIT}?{_SEP}{_POST}[ \t]+[{_U}])",
    ]
    street = "(?:" + "|".join(streets) + ")"
    pobox = (
        r"(?:P\.?[ \t]?O\.?[ \t]?Box|Post[ \t]Office[ \t]Box|Postfach|Caixa[ \t]Postal|"
        r"Apartado(?:[ \t]de[ \t]Correos)?|Casilla|Boîte[ \t]postale|BP)[ \t]+\d{1,6}"
    )
    military = (
        r"(?:(?:PSC|CMR|Unit)[ \t]+\d{3,5},?[ \t]+Box[ \t]+\d{2,5}"
        r"|USN[SV]?[ \t]+[A-Z][a-z]+|USCGC[ \t]+[A-Z][a-z]+)"
        r"(?:,?[ \t]+(?:APO|FPO|DPO)[ \t]+A[AEP][ \t]+\d{5})?"
        r"|(?:APO|FPO|DPO)[ \t]+A[AEP][ \t]+\d{5}"
    )
    return re.compile(
        rf"(?<![\w/.-])(?:(?:{street}(?:{_UNIT})?)|{pobox}|{military}){_TAIL}",
    )


def intl_spans(text: str) -> Iterator[tuple[int, int]]:
    """Yield ``(start, end)`` of each international-layout address in ``text``."""
    for match in _pattern().finditer(text):
        end = match.end()
        while end > match.start() and text[end - 1] in " \t,":
            end -= 1
        yield match.start(), end
