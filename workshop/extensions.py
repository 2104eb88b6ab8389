"""Extensions, created unbound and bound to the app in create_app().

Flask-Migrate is not among them: create_app binds it only where migrations run (see there).
"""

from flask_babel import Babel
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

db = SQLAlchemy()
babel = Babel()
csrf = CSRFProtect()
socketio = SocketIO()
