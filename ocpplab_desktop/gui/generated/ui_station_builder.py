# Generated from ui/station_builder.ui by `uv run python -m ocpplab_desktop.gui.forms`. Do not edit.
# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'station_builder.ui'
##
##
## WARNING! All changes made in this file will be lost when recompiling UI file!
################################################################################

from PySide6.QtCore import (QCoreApplication, QDate, QDateTime, QLocale,
    QMetaObject, QObject, QPoint, QRect,
    QSize, QTime, QUrl, Qt)
from PySide6.QtGui import (QBrush, QColor, QConicalGradient, QCursor,
    QFont, QFontDatabase, QGradient, QIcon,
    QImage, QKeySequence, QLinearGradient, QPainter,
    QPalette, QPixmap, QRadialGradient, QTransform)
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QApplication, QComboBox,
    QDialog, QDialogButtonBox, QFormLayout, QGridLayout,
    QGroupBox, QHBoxLayout, QHeaderView, QLabel,
    QLineEdit, QPushButton, QRadioButton, QSizePolicy,
    QSpacerItem, QSpinBox, QStackedWidget, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget)

class Ui_StationBuilder(object):
    def setupUi(self, StationBuilder):
        if not StationBuilder.objectName():
            StationBuilder.setObjectName(u"StationBuilder")
        StationBuilder.resize(1080, 720)
        StationBuilder.setSizeGripEnabled(True)
        self.main_layout = QVBoxLayout(StationBuilder)
        self.main_layout.setObjectName(u"main_layout")
        self.template_row = QHBoxLayout()
        self.template_row.setObjectName(u"template_row")
        self.template_label = QLabel(StationBuilder)
        self.template_label.setObjectName(u"template_label")

        self.template_row.addWidget(self.template_label)

        self.template_combo = QComboBox(StationBuilder)
        self.template_combo.setObjectName(u"template_combo")
        sizePolicy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        sizePolicy.setHorizontalStretch(1)
        sizePolicy.setVerticalStretch(0)
        sizePolicy.setHeightForWidth(self.template_combo.sizePolicy().hasHeightForWidth())
        self.template_combo.setSizePolicy(sizePolicy)

        self.template_row.addWidget(self.template_combo)


        self.main_layout.addLayout(self.template_row)

        self.template_description = QLabel(StationBuilder)
        self.template_description.setObjectName(u"template_description")
        self.template_description.setWordWrap(True)

        self.main_layout.addWidget(self.template_description)

        self.columns = QHBoxLayout()
        self.columns.setObjectName(u"columns")
        self.left_column = QVBoxLayout()
        self.left_column.setObjectName(u"left_column")
        self.identity_group = QGroupBox(StationBuilder)
        self.identity_group.setObjectName(u"identity_group")
        self.identity_form = QFormLayout(self.identity_group)
        self.identity_form.setObjectName(u"identity_form")
        self.station_id_label = QLabel(self.identity_group)
        self.station_id_label.setObjectName(u"station_id_label")

        self.identity_form.setWidget(0, QFormLayout.ItemRole.LabelRole, self.station_id_label)

        self.station_id = QLineEdit(self.identity_group)
        self.station_id.setObjectName(u"station_id")

        self.identity_form.setWidget(0, QFormLayout.ItemRole.FieldRole, self.station_id)

        self.station_id_error = QLabel(self.identity_group)
        self.station_id_error.setObjectName(u"station_id_error")
        self.station_id_error.setWordWrap(True)

        self.identity_form.setWidget(1, QFormLayout.ItemRole.FieldRole, self.station_id_error)

        self.vendor_label = QLabel(self.identity_group)
        self.vendor_label.setObjectName(u"vendor_label")

        self.identity_form.setWidget(2, QFormLayout.ItemRole.LabelRole, self.vendor_label)

        self.vendor = QLineEdit(self.identity_group)
        self.vendor.setObjectName(u"vendor")

        self.identity_form.setWidget(2, QFormLayout.ItemRole.FieldRole, self.vendor)

        self.model_label = QLabel(self.identity_group)
        self.model_label.setObjectName(u"model_label")

        self.identity_form.setWidget(3, QFormLayout.ItemRole.LabelRole, self.model_label)

        self.model = QLineEdit(self.identity_group)
        self.model.setObjectName(u"model")

        self.identity_form.setWidget(3, QFormLayout.ItemRole.FieldRole, self.model)

        self.serial_number_label = QLabel(self.identity_group)
        self.serial_number_label.setObjectName(u"serial_number_label")

        self.identity_form.setWidget(4, QFormLayout.ItemRole.LabelRole, self.serial_number_label)

        self.serial_number = QLineEdit(self.identity_group)
        self.serial_number.setObjectName(u"serial_number")

        self.identity_form.setWidget(4, QFormLayout.ItemRole.FieldRole, self.serial_number)

        self.firmware_version_label = QLabel(self.identity_group)
        self.firmware_version_label.setObjectName(u"firmware_version_label")

        self.identity_form.setWidget(5, QFormLayout.ItemRole.LabelRole, self.firmware_version_label)

        self.firmware_version = QLineEdit(self.identity_group)
        self.firmware_version.setObjectName(u"firmware_version")

        self.identity_form.setWidget(5, QFormLayout.ItemRole.FieldRole, self.firmware_version)

        self.identity_error = QLabel(self.identity_group)
        self.identity_error.setObjectName(u"identity_error")
        self.identity_error.setWordWrap(True)

        self.identity_form.setWidget(6, QFormLayout.ItemRole.FieldRole, self.identity_error)

        self.ocpp_version_label = QLabel(self.identity_group)
        self.ocpp_version_label.setObjectName(u"ocpp_version_label")

        self.identity_form.setWidget(7, QFormLayout.ItemRole.LabelRole, self.ocpp_version_label)

        self.ocpp_version = QComboBox(self.identity_group)
        self.ocpp_version.setObjectName(u"ocpp_version")

        self.identity_form.setWidget(7, QFormLayout.ItemRole.FieldRole, self.ocpp_version)


        self.left_column.addWidget(self.identity_group)

        self.target_group = QGroupBox(StationBuilder)
        self.target_group.setObjectName(u"target_group")
        self.target_grid = QGridLayout(self.target_group)
        self.target_grid.setObjectName(u"target_grid")
        self.builtin_radio = QRadioButton(self.target_group)
        self.builtin_radio.setObjectName(u"builtin_radio")
        self.builtin_radio.setChecked(True)

        self.target_grid.addWidget(self.builtin_radio, 0, 0, 1, 2)

        self.external_radio = QRadioButton(self.target_group)
        self.external_radio.setObjectName(u"external_radio")

        self.target_grid.addWidget(self.external_radio, 1, 0, 1, 1)

        self.csms_url = QLineEdit(self.target_group)
        self.csms_url.setObjectName(u"csms_url")

        self.target_grid.addWidget(self.csms_url, 1, 1, 1, 1)

        self.csms_url_error = QLabel(self.target_group)
        self.csms_url_error.setObjectName(u"csms_url_error")
        self.csms_url_error.setWordWrap(True)

        self.target_grid.addWidget(self.csms_url_error, 2, 1, 1, 1)

        self.password_label = QLabel(self.target_group)
        self.password_label.setObjectName(u"password_label")

        self.target_grid.addWidget(self.password_label, 3, 0, 1, 1)

        self.password = QLineEdit(self.target_group)
        self.password.setObjectName(u"password")
        self.password.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)

        self.target_grid.addWidget(self.password, 3, 1, 1, 1)

        self.password_error = QLabel(self.target_group)
        self.password_error.setObjectName(u"password_error")
        self.password_error.setWordWrap(True)

        self.target_grid.addWidget(self.password_error, 4, 1, 1, 1)


        self.left_column.addWidget(self.target_group)

        self.timing_group = QGroupBox(StationBuilder)
        self.timing_group.setObjectName(u"timing_group")
        self.timing_form = QFormLayout(self.timing_group)
        self.timing_form.setObjectName(u"timing_form")
        self.meter_interval_label = QLabel(self.timing_group)
        self.meter_interval_label.setObjectName(u"meter_interval_label")

        self.timing_form.setWidget(0, QFormLayout.ItemRole.LabelRole, self.meter_interval_label)

        self.meter_interval = QSpinBox(self.timing_group)
        self.meter_interval.setObjectName(u"meter_interval")
        self.meter_interval.setMinimum(0)
        self.meter_interval.setMaximum(86400)

        self.timing_form.setWidget(0, QFormLayout.ItemRole.FieldRole, self.meter_interval)

        self.heartbeat_interval_label = QLabel(self.timing_group)
        self.heartbeat_interval_label.setObjectName(u"heartbeat_interval_label")

        self.timing_form.setWidget(1, QFormLayout.ItemRole.LabelRole, self.heartbeat_interval_label)

        self.heartbeat_interval = QSpinBox(self.timing_group)
        self.heartbeat_interval.setObjectName(u"heartbeat_interval")
        self.heartbeat_interval.setMinimum(0)
        self.heartbeat_interval.setMaximum(86400)

        self.timing_form.setWidget(1, QFormLayout.ItemRole.FieldRole, self.heartbeat_interval)

        self.intervals_error = QLabel(self.timing_group)
        self.intervals_error.setObjectName(u"intervals_error")
        self.intervals_error.setWordWrap(True)

        self.timing_form.setWidget(2, QFormLayout.ItemRole.FieldRole, self.intervals_error)


        self.left_column.addWidget(self.timing_group)

        self.left_spacer = QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)

        self.left_column.addItem(self.left_spacer)


        self.columns.addLayout(self.left_column)

        self.right_column = QVBoxLayout()
        self.right_column.setObjectName(u"right_column")
        self.connectors_group = QGroupBox(StationBuilder)
        self.connectors_group.setObjectName(u"connectors_group")
        self.connectors_layout = QVBoxLayout(self.connectors_group)
        self.connectors_layout.setObjectName(u"connectors_layout")
        self.connectors_table = QTableWidget(self.connectors_group)
        self.connectors_table.setObjectName(u"connectors_table")
        self.connectors_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.connectors_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)

        self.connectors_layout.addWidget(self.connectors_table)

        self.connector_buttons = QHBoxLayout()
        self.connector_buttons.setObjectName(u"connector_buttons")
        self.add_evse_button = QPushButton(self.connectors_group)
        self.add_evse_button.setObjectName(u"add_evse_button")

        self.connector_buttons.addWidget(self.add_evse_button)

        self.add_connector_button = QPushButton(self.connectors_group)
        self.add_connector_button.setObjectName(u"add_connector_button")

        self.connector_buttons.addWidget(self.add_connector_button)

        self.remove_button = QPushButton(self.connectors_group)
        self.remove_button.setObjectName(u"remove_button")

        self.connector_buttons.addWidget(self.remove_button)

        self.connector_buttons_spacer = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.connector_buttons.addItem(self.connector_buttons_spacer)


        self.connectors_layout.addLayout(self.connector_buttons)

        self.connectors_error = QLabel(self.connectors_group)
        self.connectors_error.setObjectName(u"connectors_error")
        self.connectors_error.setWordWrap(True)

        self.connectors_layout.addWidget(self.connectors_error)


        self.right_column.addWidget(self.connectors_group)

        self.settings_group = QGroupBox(StationBuilder)
        self.settings_group.setObjectName(u"settings_group")
        self.settings_layout = QVBoxLayout(self.settings_group)
        self.settings_layout.setObjectName(u"settings_layout")
        self.settings_hint = QLabel(self.settings_group)
        self.settings_hint.setObjectName(u"settings_hint")
        self.settings_hint.setWordWrap(True)

        self.settings_layout.addWidget(self.settings_hint)

        self.settings_stack = QStackedWidget(self.settings_group)
        self.settings_stack.setObjectName(u"settings_stack")
        self.keys_page = QWidget()
        self.keys_page.setObjectName(u"keys_page")
        self.keys_page_layout = QVBoxLayout(self.keys_page)
        self.keys_page_layout.setObjectName(u"keys_page_layout")
        self.keys_page_layout.setContentsMargins(0, 0, 0, 0)
        self.keys_table = QTableWidget(self.keys_page)
        self.keys_table.setObjectName(u"keys_table")

        self.keys_page_layout.addWidget(self.keys_table)

        self.settings_stack.addWidget(self.keys_page)
        self.variables_page = QWidget()
        self.variables_page.setObjectName(u"variables_page")
        self.variables_page_layout = QVBoxLayout(self.variables_page)
        self.variables_page_layout.setObjectName(u"variables_page_layout")
        self.variables_page_layout.setContentsMargins(0, 0, 0, 0)
        self.variables_table = QTableWidget(self.variables_page)
        self.variables_table.setObjectName(u"variables_table")

        self.variables_page_layout.addWidget(self.variables_table)

        self.settings_stack.addWidget(self.variables_page)

        self.settings_layout.addWidget(self.settings_stack)

        self.settings_error = QLabel(self.settings_group)
        self.settings_error.setObjectName(u"settings_error")
        self.settings_error.setWordWrap(True)

        self.settings_layout.addWidget(self.settings_error)


        self.right_column.addWidget(self.settings_group)

        self.right_column.setStretch(0, 2)
        self.right_column.setStretch(1, 3)

        self.columns.addLayout(self.right_column)

        self.columns.setStretch(0, 2)
        self.columns.setStretch(1, 3)

        self.main_layout.addLayout(self.columns)

        self.bottom_row = QHBoxLayout()
        self.bottom_row.setObjectName(u"bottom_row")
        self.save_template_button = QPushButton(StationBuilder)
        self.save_template_button.setObjectName(u"save_template_button")
        self.save_template_button.setAutoDefault(False)

        self.bottom_row.addWidget(self.save_template_button)

        self.save_status = QLabel(StationBuilder)
        self.save_status.setObjectName(u"save_status")
        sizePolicy1 = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        sizePolicy1.setHorizontalStretch(1)
        sizePolicy1.setVerticalStretch(0)
        sizePolicy1.setHeightForWidth(self.save_status.sizePolicy().hasHeightForWidth())
        self.save_status.setSizePolicy(sizePolicy1)
        self.save_status.setWordWrap(True)

        self.bottom_row.addWidget(self.save_status)

        self.button_box = QDialogButtonBox(StationBuilder)
        self.button_box.setObjectName(u"button_box")
        self.button_box.setStandardButtons(QDialogButtonBox.StandardButton.Cancel|QDialogButtonBox.StandardButton.Ok)

        self.bottom_row.addWidget(self.button_box)


        self.main_layout.addLayout(self.bottom_row)

#if QT_CONFIG(shortcut)
        self.template_label.setBuddy(self.template_combo)
        self.station_id_label.setBuddy(self.station_id)
        self.vendor_label.setBuddy(self.vendor)
        self.model_label.setBuddy(self.model)
        self.serial_number_label.setBuddy(self.serial_number)
        self.firmware_version_label.setBuddy(self.firmware_version)
        self.ocpp_version_label.setBuddy(self.ocpp_version)
        self.password_label.setBuddy(self.password)
        self.meter_interval_label.setBuddy(self.meter_interval)
        self.heartbeat_interval_label.setBuddy(self.heartbeat_interval)
#endif // QT_CONFIG(shortcut)
        QWidget.setTabOrder(self.template_combo, self.station_id)
        QWidget.setTabOrder(self.station_id, self.vendor)
        QWidget.setTabOrder(self.vendor, self.model)
        QWidget.setTabOrder(self.model, self.serial_number)
        QWidget.setTabOrder(self.serial_number, self.firmware_version)
        QWidget.setTabOrder(self.firmware_version, self.ocpp_version)
        QWidget.setTabOrder(self.ocpp_version, self.builtin_radio)
        QWidget.setTabOrder(self.builtin_radio, self.external_radio)
        QWidget.setTabOrder(self.external_radio, self.csms_url)
        QWidget.setTabOrder(self.csms_url, self.password)
        QWidget.setTabOrder(self.password, self.meter_interval)
        QWidget.setTabOrder(self.meter_interval, self.heartbeat_interval)
        QWidget.setTabOrder(self.heartbeat_interval, self.connectors_table)
        QWidget.setTabOrder(self.connectors_table, self.add_evse_button)
        QWidget.setTabOrder(self.add_evse_button, self.add_connector_button)
        QWidget.setTabOrder(self.add_connector_button, self.remove_button)
        QWidget.setTabOrder(self.remove_button, self.keys_table)
        QWidget.setTabOrder(self.keys_table, self.variables_table)
        QWidget.setTabOrder(self.variables_table, self.save_template_button)

        self.retranslateUi(StationBuilder)

        QMetaObject.connectSlotsByName(StationBuilder)
    # setupUi

    def retranslateUi(self, StationBuilder):
        StationBuilder.setWindowTitle(QCoreApplication.translate("StationBuilder", u"Add station", None))
        self.template_label.setText(QCoreApplication.translate("StationBuilder", u"Start from &template:", None))
        self.template_combo.setPlaceholderText(QCoreApplication.translate("StationBuilder", u"Choose a template to fill the form\u2026", None))
#if QT_CONFIG(tooltip)
        self.template_combo.setToolTip(QCoreApplication.translate("StationBuilder", u"Built-in templates ship with the lab; your own are saved with \u201cSave as template\u2026\u201d.", None))
#endif // QT_CONFIG(tooltip)
        self.identity_group.setTitle(QCoreApplication.translate("StationBuilder", u"Identity", None))
        self.station_id_label.setText(QCoreApplication.translate("StationBuilder", u"Station &id", None))
#if QT_CONFIG(tooltip)
        self.station_id.setToolTip(QCoreApplication.translate("StationBuilder", u"The identity in the WebSocket URL: 1 to 48 characters, no spaces, '/', '?' or '#'.", None))
#endif // QT_CONFIG(tooltip)
        self.vendor_label.setText(QCoreApplication.translate("StationBuilder", u"&Vendor", None))
        self.model_label.setText(QCoreApplication.translate("StationBuilder", u"&Model", None))
        self.serial_number_label.setText(QCoreApplication.translate("StationBuilder", u"&Serial number", None))
        self.firmware_version_label.setText(QCoreApplication.translate("StationBuilder", u"&Firmware version", None))
        self.ocpp_version_label.setText(QCoreApplication.translate("StationBuilder", u"&OCPP version", None))
        self.target_group.setTitle(QCoreApplication.translate("StationBuilder", u"CSMS", None))
        self.builtin_radio.setText(QCoreApplication.translate("StationBuilder", u"Built-in mock CSMS", None))
        self.external_radio.setText(QCoreApplication.translate("StationBuilder", u"External CSMS &URL", None))
        self.csms_url.setPlaceholderText(QCoreApplication.translate("StationBuilder", u"ws://host:port/path", None))
#if QT_CONFIG(tooltip)
        self.csms_url.setToolTip(QCoreApplication.translate("StationBuilder", u"The station id is appended to this URL when it connects.", None))
#endif // QT_CONFIG(tooltip)
        self.password_label.setText(QCoreApplication.translate("StationBuilder", u"Basic auth &password", None))
        self.password.setPlaceholderText(QCoreApplication.translate("StationBuilder", u"optional: security profile 1", None))
        self.timing_group.setTitle(QCoreApplication.translate("StationBuilder", u"Intervals", None))
        self.meter_interval_label.setText(QCoreApplication.translate("StationBuilder", u"Meter &sample interval", None))
        self.meter_interval.setSuffix(QCoreApplication.translate("StationBuilder", u" s", None))
        self.heartbeat_interval_label.setText(QCoreApplication.translate("StationBuilder", u"&Heartbeat interval", None))
        self.heartbeat_interval.setSuffix(QCoreApplication.translate("StationBuilder", u" s", None))
        self.connectors_group.setTitle(QCoreApplication.translate("StationBuilder", u"EVSEs and connectors", None))
        self.add_evse_button.setText(QCoreApplication.translate("StationBuilder", u"Add &EVSE", None))
#if QT_CONFIG(tooltip)
        self.add_evse_button.setToolTip(QCoreApplication.translate("StationBuilder", u"A new EVSE with one connector like the selected one.", None))
#endif // QT_CONFIG(tooltip)
        self.add_connector_button.setText(QCoreApplication.translate("StationBuilder", u"Add &connector", None))
#if QT_CONFIG(tooltip)
        self.add_connector_button.setToolTip(QCoreApplication.translate("StationBuilder", u"Another connector on the selected row's EVSE.", None))
#endif // QT_CONFIG(tooltip)
        self.remove_button.setText(QCoreApplication.translate("StationBuilder", u"&Remove", None))
#if QT_CONFIG(tooltip)
        self.remove_button.setToolTip(QCoreApplication.translate("StationBuilder", u"Remove the selected connector (and its EVSE when it was the last one); ids are renumbered.", None))
#endif // QT_CONFIG(tooltip)
        self.settings_group.setTitle(QCoreApplication.translate("StationBuilder", u"Configuration", None))
        self.save_template_button.setText(QCoreApplication.translate("StationBuilder", u"Save as &template\u2026", None))
    # retranslateUi

