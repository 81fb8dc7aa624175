"""Word lists for the synthetic demo invitees: common German names and the city's units."""

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
