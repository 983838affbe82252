"""Word lists of the cue and shape checks (extra.py, shapes.py): plain sets, looked up per candidate."""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _set(text: str) -> frozenset[bytes]:
    return frozenset(w.encode() for w in text.split())


# The gap between a cue and its value must not name something else the number could be (`pin 3 on floor
# 12`, `account - ssn 123…`, `verification code 4672 3724`).
OTHER_THING = _set(
    """
    order orders ticket case ref reference invoice tracking room flight floor page step item items error
    times minutes hours days weeks months years attempts tries version model part serial sku unit apt
    suite about around approximately than over last ending ends digit digits level gate seat table
    chapter section line row box lot batch extension ext ssn social tel phone mobile cell text call sms
    whatsapp fax iban email mail visa amex mastercard s me my soc sec
    points store pad file files strike balance plate ordered delivered shipped placed purchased bought arrived
    """
)
# first (or last) words after a name cue that are no name: `I'm Not sure`, `This is Urgent`, `Name: Unknown`
NOT_NAMES = frozenset(
    _words(
        """
        not sorry here there the a an it this that just still also really very so now back fine good
        great ok okay happy glad calling trying looking going having writing contacting waiting
        interested unable afraid sure unsure confused available hi hello hey yes no please thanks
        thank your my our customer support agent team service urgent important new never always
        currently actually already using getting wondering following reaching messaging chatting
        asking regarding re fw gold premium platinum member monday tuesday wednesday thursday friday
        saturday sunday english spanish french german american british canadian australian done
        ready disappointed frustrated angry upset unknown none same correct wrong on in at from with
        for and or but if when what who how why where which nicht sehr kunde leider bereit pas très
        tres content bien aquí aqui muy cliente estoy tengo mal desolé désolé bonjour hola hallo
        guten buenos buenas bonsoir gracias merci danke bitte por favor also amazon paypal visa
        mastercard apple google microsoft ridiculous unacceptable terrible awful taking sie ihre ihr
        ihnen i me you we he she they need want have has can could would am is are was were do does
        did spelled misspelled spelt listed printed written shown showing displayed missing different
        changed updated registered linked mentioned given used client christmas easter black cyber
        vegan vegetarian désolée français française see required nuevo nueva nouveau nouvelle neu
        neue ticket case order invoice reference account crazy insane absurd outrageous unbelievable
        incredible confused have nice good great lovely wonderful merry happy schönen schöne schönes frohe
        frohes gute gutes buen buena bonne bonnes bon joyeux feliz felices best kind warm
        incorrect incorrectly wrongly misspelt mispelled mispelt typed entered truncated appearing needed
        needs matches doesn't doesnt should must pls plz thx i'm i’m it's it’s don't can't isn't wasn't
        won't i've i'll
        incorrecto incorrecta erróneo errónea erroneo erronea equivocado equivocada correcto correcta
        diferente distinto distinta otro otra igual mismo misma incompleto incompleta escrito cambiado que
        como para con sin una uno los las también tambien todavía todavia ahora nada esto eso esta está
        incorrecte erroné erronée erronee faux fausse inexact inexacte incomplet incomplète différent
        différente mauvais mauvaise correcte écrit ecrit orthographié orthographie changé modifié trop sur
        dans avec pour sans une mon votre notre déjà toujours encore vraiment aussi ici là svp stp
        und oder aber mit ich wir habe auf nur noch schon jetzt immer auch kein keine ein eine einen einem
        einer die dem am vom zum zur für fuer über ueber unter wie was wer wo warum seit heute gestern gerade
        wirklich echt falsch richtig korrekt verkehrt fehlerhaft unvollständig geändert geaendert
        abgeschnitten geschrieben mein meine meiner meinem meinen meines
        """
    )
)
# words that start no name after a cue (checked on the first word only: some are surnames too, `Anna
# Schweizer`): nationalities, occupations, roles and German nouns after `Ich bin` (German capitalises
# them: `Ich bin Kunde`, `Ich bin Rentner`), and what a card or call is under (`card is under REVIEW`)
NOT_NAME_STARTS = _set(
    """
    change changes brand tag tags badge plate label request update correction mismatch search lookup card
    field fields box section form review warranty investigation dispute maintenance construction repair
    evaluation consideration control pressure contract guarantee hold pending fraud name names agreement
    information info details services terms deceased verification authentication authorization signature
    address protection benefits statement portal rights security god someone somebody anyone anybody
    nobody everyone everybody manager supervisor representative rep human person people bot robot staff
    tech technician specialist advisor adviser operator billing sales management department headquarters
    hq student retired disabled pregnant diabetic married single divorced widowed unemployed self-employed
    freelance freelancer owner tenant landlord parent mother father mom mum dad husband wife daughter
    brother sister grandmother grandfather guardian nurse doctor teacher engineer lawyer subscriber user
    irish scottish welsh indian mexican chinese japanese italian dutch swiss swedish polish russian
    european asian african latino latina hispanic korean filipino brazilian portuguese muslim jewish
    catholic
    kundin neukunde neukundin bestandskunde bestandskundin stammkunde stammkundin privatkunde privatkundin
    geschäftskunde geschaeftskunde firmenkunde mitglied studentin schüler schueler schülerin rentner
    rentnerin pensionär pensionist arzt ärztin aerztin lehrer lehrerin mutter vater eigentümer eigentuemer
    eigentümerin besitzer besitzerin inhaber inhaberin kontoinhaber kontoinhaberin karteninhaberin mieter
    mieterin vermieter vermieterin nutzer nutzerin benutzer benutzerin abonnent abonnentin teilnehmer
    teilnehmerin anfänger anfaenger opfer erbe erbin witwe witwer ehefrau ehemann mann tochter sohn bruder
    schwester oma opa deutscher deutsche österreicher österreicherin oesterreicher schweizer schweizerin
    ausländer auslaender ausländerin tourist touristin selbstständig selbständig selbstaendig unternehmer
    unternehmerin freiberufler freiberuflerin angestellter angestellte beamter beamtin arbeitslos
    ingenieur ingenieurin anwalt anwältin krankenschwester pfleger pflegerin verkäufer verkäuferin händler
    händlerin haendler entwickler entwicklerin programmierer geschäftsführer geschaeftsfuehrer vertreter
    vertreterin bevollmächtigter betreuer betreuerin vormund ansprechpartner administrator admin empfänger
    empfaenger absender käufer kaeufer käuferin bewohner bewohnerin patient patientin gast vegetarier
    vegetarierin veganer veganerin diabetiker diabetikerin allergiker raucher nichtraucher verheiratet
    geschieden verwitwet berliner hamburger münchner wiener froh enttäuscht enttaeuscht verärgert
    veraergert wütend wuetend traurig zufrieden unzufrieden verwirrt müde muede krank schwanger unterwegs
    zuhause fertig sicher unsicher gespannt interessiert berechtigt befugt verantwortlich zuständig
    zustaendig dabei total ganz etwas
    estudiante jubilado jubilada médico medico médica medica profesor profesora maestro maestra abogado
    abogada ingeniero ingeniera enfermero enfermera dueño dueña dueno duena propietario propietaria
    usuario usuaria socio socia miembro mexicano mexicana español española espanol espanola argentino
    argentina colombiano colombiana chileno chilena peruano peruana venezolano venezolana cubano cubana
    estadounidense americano americana canadiense francés francesa alemán alemana aleman inglés inglesa
    británico británica italiano italiana portugués portuguesa brasileño brasileña ecuatoriano ecuatoriana
    dominicano dominicana puertorriqueño puertorriqueña guatemalteco guatemalteca hondureño hondureña
    salvadoreño salvadoreña boliviano boliviana uruguayo uruguaya paraguayo paraguaya yo madre padre
    esposo esposa hijo hija abuelo abuela hermano hermana el la los las un
    étudiant étudiante etudiant etudiante retraité retraitée retraite médecin medecin avocat avocate
    ingénieur ingénieure ingenieur infirmier infirmière professeur professeure enseignant enseignante
    propriétaire proprietaire locataire titulaire abonné abonnée abonne membre canadien canadienne
    québécois québécoise quebecois belge suisse américain américaine americain anglais anglaise allemand
    allemande espagnol espagnole italien italienne marocain marocaine algérien algérienne tunisien
    tunisienne sénégalais sénégalaise ivoirien ivoirienne haïtien haïtienne libanais libanaise portugais
    portugaise mère père fils fille déçu déçue decu perdu perdue fâché fâchée ravie sûr sûre prêt prête
    pret disponible intéressé intéressée inquiet inquiète malade enceinte cliente maintenant actuellement
    en
    """
)
# words before a bare `name` that make it something else's name (`brand name Nike Air`, `the name Contoso`)
OTHER_NAMES = _set(
    """
    the a an this that same different wrong new old brand company file user product domain business store
    shop app device network pet screen display nick host server street city town band song album book
    movie film game team model project folder wifi printer computer event course school hotel restaurant
    ship code trade
    """
)
# titles before a name (`Ich bin Frau Schmidt`, `Mr Martin`): the name is the word after them; a title
# alone is none (`Ich bin Frau`)
NAME_TITLES = _set(
    """
    mr mr. mrs mrs. ms ms. mx mx. dr dr. prof prof. sr sr. sra sra. srta srta. dra dra. mme mme. mlle
    mlle. hr hr. fr fr. frau herr señor señora señorita senor senora doña dona monsieur madame
    mademoiselle sir miss mister
    """
)
# `the password is wrong`: words that describe a password rather than being one
PASSWORD_WORDS = _set(
    """
    wrong incorrect not invalid expired correct right same different reset locked changed working blank
    empty required case-sensitive too very the a an my your still being set saved stored fine ok okay
    forgotten lost missing weak strong long short broken case blocked disabled suspended successful
    accepted rejected been incorrecta incorrecto correcta correcto faux incorrect falsch ungültig yes no
    none valid muy demasiado larga largo corta corto zu sehr nicht kurz lang trop très court courte
    longue pas
    does doesn't doesn’t do don't don’t did didn't didn’t isn't isn’t won't won’t can't can’t
    cannot never forgot forget keeps works work worked failed fails unknown it this that there here what
    olvidé olvide olvidada olvidado funciona caducada bloqueada ne oublié oubliée marche bloqué expiré
    vergessen funktioniert geht gesperrt abgelaufen
    """
) | frozenset(str(n).encode() for n in range(100))  # `12 characters long`, `3 days ago`: a count
# `set my password to expire`, `changed the password to something else`: words after `to` that are no password
SET_TO_WORDS = _set(
    """
    something anything expire expires never be get make use access log login protect avoid match meet
    include contain have one another algo quelque etwas
    """
)
# `birthday party on 03/12/2025`, `Geburtstagsfeier`: a date after a birthday cue that is an event's
NOT_BIRTH = _set(
    """
    party parties cake gift gifts present presents sale sales dinner lunch celebration event bash surprise
    fiesta regalo regalos cena celebración fête cadeau cadeaux soirée feier party geschenk geschenke essen
    """
)
# `the warranty expires in May 2029`: a month's name after an expiry cue is a card's expiry only when no
# preposition stands between (`expiring april 2027`: in the gap) and no other thing that expires comes
# before the cue or in the gap
EXPIRY_TIME_WORDS = _set(
    """
    in on at by around until till before after from en el la a hasta antes le au avant im am bis vor ende
    """
)
OTHER_EXPIRING = _set(
    """
    warranty guarantee subscription trial offer promo promotion coupon voucher membership plan contract
    licence license lease domain certificate cert passport permit insurance policy password token link
    session quote discount deal sale garantía garantia suscripción suscripcion oferta contrato licencia
    seguro garantie abonnement offre contrat assurance vertrag abo angebot lizenz versicherung gutschein
    """
)
# `ref#3566`, `order12345`, `card_4111`: a code word and its number, no password
CODE_WORDS = _set(
    """
    card ref no nr num id inv ord sku po pin cvv acct account code ticket case order item tel ph room
    """
)
# `I walked 3 blocks down the street`: words that are no street name
STOP_STREET = _set(
    """
    the a an of down up to on in at my your our their his her this that blocks block miles mile minutes
    km doors houses streets times more other different next same few many some two three four five
    and or from for by
    """
)
# street suffixes (USPS Publication 28 and Royal Mail), and the French/Spanish street words
STREET_SUFFIXES = _words(
    """
    street st avenue ave road rd lane ln drive dr boulevard blvd court ct place pl terrace ter way circle
    cir parkway pkwy highway hwy square sq trail trl close crescent cres gardens gdns grove mews row hill
    park walk green rise vale view loop pike alley plaza ridge path crossing commons heights expressway
    expy freeway turnpike center manor wharf quay embankment broadway parade gate
    """
)
SUFFIX_WORDS = frozenset(w.encode() for w in STREET_SUFFIXES) | _set(
    "rue bd chemin allee impasse quai route cours"
)
# suffixes that are everyday words too: only capitalised street names count before them (`5 Oak Way`)
WEAK_SUFFIX = _set(
    """
    way place court drive circle square trail close crescent gardens grove row hill park walk green rise
    vale view loop pike path crossing commons heights center manor gate parade plaza ridge highway
    """
)
