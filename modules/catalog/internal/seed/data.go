package seed

type work struct {
	title, author, lang string
	year                int
}

var sellerNames = []string{
	"Chapter & Verse Books", "Marta's Attic", "The Dusty Jacket", "Rue des Livres",
	"Old Harbour Books", "Bücherwurm Berlin", "Second Story", "Libros de Ocasión",
	"Paper Moon", "Quire & Quill",
}

var works = []work{
	{"Pride and Prejudice", "Jane Austen", "en", 1900}, {"Emma", "Jane Austen", "en", 1900},
	{"Middlemarch", "George Eliot", "en", 1900}, {"Great Expectations", "Charles Dickens", "en", 1900},
	{"Bleak House", "Charles Dickens", "en", 1900}, {"Moby-Dick", "Herman Melville", "en", 1920},
	{"The Adventures of Huckleberry Finn", "Mark Twain", "en", 1910}, {"Jane Eyre", "Charlotte Brontë", "en", 1900},
	{"Wuthering Heights", "Emily Brontë", "en", 1900}, {"Frankenstein", "Mary Shelley", "en", 1910},
	{"Dracula", "Bram Stoker", "en", 1920}, {"The Picture of Dorian Gray", "Oscar Wilde", "en", 1920},
	{"Heart of Darkness", "Joseph Conrad", "en", 1920}, {"Dubliners", "James Joyce", "en", 1930},
	{"Mrs Dalloway", "Virginia Woolf", "en", 1940}, {"The Great Gatsby", "F. Scott Fitzgerald", "en", 1945},
	{"The Call of the Wild", "Jack London", "en", 1930}, {"Little Women", "Louisa May Alcott", "en", 1920},
	{"The Time Machine", "H. G. Wells", "en", 1930}, {"Treasure Island", "Robert Louis Stevenson", "en", 1920},
	{"Les Misérables", "Victor Hugo", "fr", 1920}, {"Madame Bovary", "Gustave Flaubert", "fr", 1930},
	{"Le Comte de Monte-Cristo", "Alexandre Dumas", "fr", 1920}, {"Germinal", "Émile Zola", "fr", 1930},
	{"Le Rouge et le Noir", "Stendhal", "fr", 1930}, {"Candide", "Voltaire", "fr", 1940},
	{"Don Quijote de la Mancha", "Miguel de Cervantes", "es", 1930}, {"La Regenta", "Leopoldo Alas «Clarín»", "es", 1940},
	{"Niebla", "Miguel de Unamuno", "es", 1940}, {"Der Zauberberg", "Thomas Mann", "de", 1940},
	{"Die Verwandlung", "Franz Kafka", "de", 1940}, {"Effi Briest", "Theodor Fontane", "de", 1930},
	{"Faust", "Johann Wolfgang von Goethe", "de", 1920}, {"I promessi sposi", "Alessandro Manzoni", "it", 1930},
	{"La coscienza di Zeno", "Italo Svevo", "it", 1940}, {"Dom Casmurro", "Machado de Assis", "pt", 1940},
	{"Max Havelaar", "Multatuli", "nl", 1940}, {"Röda rummet", "August Strindberg", "sv", 1940},
	{"Pan Tadeusz", "Adam Mickiewicz", "pl", 1930}, {"Анна Каренина", "Лев Толстой", "ru", 1930},
	{"Crime and Punishment", "Fyodor Dostoevsky", "en", 1940}, {"War and Peace", "Leo Tolstoy", "en", 1940},
	{"The Tale of Genji", "Murasaki Shikibu", "en", 1950}, {"吾輩は猫である", "夏目漱石", "ja", 1950},
	{"The Art of War", "Sun Tzu", "en", 1950}, {"The Origin of Species", "Charles Darwin", "en", 1920},
	{"A Room of One's Own", "Virginia Woolf", "en", 1945}, {"Walden", "Henry David Thoreau", "en", 1930},
	{"Meditations", "Marcus Aurelius", "en", 1940}, {"The Prince", "Niccolò Machiavelli", "en", 1940},
}

var notes = []string{
	"", "", "Light shelf wear.", "Name on the flyleaf.", "Spine slightly faded.",
	"A few pencil notes in the margins.", "Dust jacket has a small tear.", "Corners bumped.",
	"Pages lightly tanned.", "Remainder mark on the bottom edge.", "Clean and tight.",
}

var blurbs = []string{
	"A well-loved copy, read once and shelved since.",
	"From a private library; no underlining.",
	"A sturdy reading copy at a fair price.",
	"Collectors will like this printing.",
	"Ideal for a student; a few notes in pencil.",
	"Bought new, read on holiday, in very good shape.",
}
