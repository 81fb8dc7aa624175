"""The seed's texts and word lists: the info day's description and agenda, common German names, the city's units."""

FIRST_NAMES = (
    "Alexander", "Andrea", "Andreas", "Anna", "Barbara", "Bernd", "Birgit", "Christian", "Christina", "Claudia",
    "Daniel", "Daniela", "Dominik", "Elisabeth", "Emre", "Eva", "Felix", "Florian", "Franziska", "Gabriele",
    "Georg", "Hannah", "Heike", "Ines", "Jan", "Jana", "Johanna", "Jonas", "Julia", "Jürgen",
    "Katharina", "Kerstin", "Lara", "Laura", "Leon", "Lukas", "Maria", "Markus", "Martin", "Martina",
    "Matthias", "Maximilian", "Melanie", "Michael", "Monika", "Nadine", "Nicole", "Niklas", "Oliver", "Paul",
    "Petra", "Philipp", "Ralf", "Sabine", "Sandra", "Sebastian", "Simone", "Sophie", "Stefan", "Stefanie",
    "Susanne", "Thomas", "Tobias", "Ursula", "Veronika", "Wolfgang", "Yasemin", "Zeynep",
)

LAST_NAMES = (
    "Bauer", "Becker", "Berger", "Brandl", "Demir", "Eder", "Fischer", "Fuchs", "Gruber", "Haas",
    "Hartmann", "Hofmann", "Huber", "Kaiser", "Keller", "Klein", "Koch", "Kovač", "Krämer", "Lang",
    "Lehmann", "Maier", "Mayer", "Meier", "Moser", "Müller", "Neumann", "Nowak", "Obermaier", "Pichler",
    "Reiter", "Richter", "Schäfer", "Schmid", "Schmidt", "Schneider", "Scholz", "Schreiber", "Schulz", "Schwarz",
    "Seidl", "Sommer", "Stadler", "Steiner", "Strobl", "Vogel", "Wagner", "Walter", "Weber", "Weiß",
    "Winkler", "Wolf", "Yılmaz", "Zimmermann", "Zöllner",
)

#: The city's departments (Referate).
DEPARTMENTS = (
    "Baureferat", "Direktorium", "Gesundheitsreferat", "IT-Referat", "Kommunalreferat", "Kreisverwaltungsreferat",
    "Kulturreferat", "Mobilitätsreferat", "Personal- und Organisationsreferat", "Referat für Arbeit und Wirtschaft",
    "Referat für Bildung und Sport", "Referat für Klima- und Umweltschutz", "Referat für Stadtplanung und Bauordnung",
    "Sozialreferat", "Stadtkämmerei",
)

#: The city's municipal companies (Eigenbetriebe).
MUNICIPAL_COMPANIES = (
    "Abfallwirtschaftsbetrieb München", "it@M", "Markthallen München", "Münchner Kammerspiele",
    "Münchner Stadtentwässerung", "Stadtgüter München",
)

#: The six speakers' organisations with the example domain of their addresses.
SPEAKER_ORGANISATIONS = (
    ("ADAC", "adac.example"),
    ("BMW", "bmw.example"),
    ("UnternehmerTUM", "unternehmertum.example"),
    ("Siemens", "siemens.example"),
    ("IHK für München und Oberbayern", "ihk-muenchen.example"),
    ("Münchener Rück", "munichre.example"),
)

CITY_DOMAIN = "muenchen.example"
COUNCIL_DOMAIN = "stadtrat.muenchen.example"

DESCRIPTION = (
    "Welche Rahmenbedingungen sind wichtig? Was können wir von anderen Organisationen lernen? "
    "Welche Maßnahmen sind erfolgsrelevant?\n\n"
    "Der IT-Referent lädt den Stadtrat, die Leitungen der Referate und Eigenbetriebe sowie interessierte "
    "Kolleginnen und Kollegen der Landeshauptstadt München ein, diese Themen gemeinsam mit Speakern von ADAC, "
    "BMW, UnternehmerTUM, Siemens, IHK und Münchener Rück zu diskutieren. Motto: „München. Digital. Erleben.“\n\n"
    "Die Plätze im Sitzungssaal sind begrenzt; alle Vorträge werden im Livestream übertragen."
)

AGENDA = "\n".join((
    "09:30 Begrüßung durch den IT-Referenten",
    "09:45 Ergebnisse des 1. Futurcamps der Stadtverwaltung",
    "10:15 ADAC: Digitalisierung – Silos abbauen und Kultur verändern",
    "10:45 BMW",
    "11:15 Pause",
    "11:30 UnternehmerTUM",
    "12:00 Siemens",
    "12:25 IHK für München und Oberbayern",
    "12:50 Münchener Rück",
    "13:15 Diskussion",
    "13:45 Ende",
))


#: The doors of both info days.
#: The audience groups of both demo days: name, reserved hall seats, waiting-list priority.
GROUPS = (
    ("Stadtrat", 40, 30),
    ("Referats- und Betriebsleitungen", 25, 20),
    ("Speaker", 6, 10),
    ("Beschäftigte", None, 0),
)
DOORS = ("Eingang Marienplatz", "Eingang Landschaftstraße")
